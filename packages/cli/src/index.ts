/**
 * `kgate`: the command-line tool. Programs embed it through {@link main}; the
 * `kgate` bin runs the same function.
 */
export { buildProgram, type MainOptions, main } from './main.ts';
