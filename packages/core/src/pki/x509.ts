/**
 * The one place that loads `@peculiar/x509`.
 *
 * The library registers its algorithm providers with tsyringe, which refuses to load
 * without the Reflect metadata API; `reflect-metadata` must therefore be evaluated
 * first. ES modules evaluate their requests in source order, so keeping both in this
 * small module (and importing the library only from here) guarantees the order.
 *
 * @internal
 */
import 'reflect-metadata';

export * as x509 from '@peculiar/x509';
