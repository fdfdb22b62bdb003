/**
 * The tunnel's wire protocol as the agent uses it (generated messages, frame channel,
 * header rules). The one place the agent reaches into proto/.
 */
export * from '../../../../proto/wire/index.ts';
