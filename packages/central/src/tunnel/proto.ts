/**
 * The tunnel's wire protocol as central uses it (generated messages, frame channel,
 * header rules). The one place central reaches into proto/.
 */
export * from '../../../../proto/wire/index.ts';
