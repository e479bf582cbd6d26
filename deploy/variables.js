// `${file(./deploy/variables.js):…}` in serverless.yml: hands the framework the pieces
// deploy/stack.ts builds from the app's own code (loaded through tsx, a dev dependency).
'use strict';
const { require: requireTs } = require('tsx/cjs/api');

const stack = requireTs('./stack.ts', __filename);

module.exports = {
  accessTable: async ({ resolveVariable }) => stack.accessTableResource(await resolveVariable('param:tableName')),
  iamStatements: async ({ resolveVariable }) =>
    stack.botIamStatements({
      repositories: stack.repositoryList(String(await resolveVariable('param:repositories'))),
      functionName: await resolveVariable('self:functions.slack.name'),
    }),
};
