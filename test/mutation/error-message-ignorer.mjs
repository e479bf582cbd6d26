// A Stryker ignorer: mutants inside the message of `new EcrAccessError(code, message)` are not
// tested. Callers and tests branch on the code (STYLE.md: errors carry a code from one enum);
// a mutant that only rewords or blanks the message changes no decision, so leaving it in the
// score would ask for tests of wording, which issue 10 moves to src/slack anyway.
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'error-message', {
    shouldIgnore(path) {
      const call = path.parentPath;
      if (!call?.isNewExpression() || call.node.arguments[1] !== path.node) return undefined;
      const callee = call.node.callee;
      return callee.type === 'Identifier' && callee.name === 'EcrAccessError'
        ? 'Only the wording of an error message: callers branch on its code'
        : undefined;
    },
  }),
];
