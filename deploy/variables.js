// `${file(./deploy/variables.js):…}` in serverless.yml: hands the framework the stage's checked
// settings (deploy/settings.ts) and the pieces deploy/stack.ts and deploy/function-environment.ts
// build from the app's own code (loaded through tsx, a dev dependency). Only `settings` reads them:
// the other pieces take them from `self:custom.settings`, so a problem with them is reported once.
'use strict';
const { require: requireTs } = require('tsx/cjs/api');

const stack = requireTs('./stack.ts', __filename);
const { functionEnvironment } = requireTs('./function-environment.ts', __filename);
const { loadStageSettings, DeploySettingsError } = requireTs('./settings.ts', __filename);

module.exports = {
  settings: async ({ options, resolveVariable }) => {
    try {
      return loadStageSettings({ stage: await resolveVariable('sls:stage'), region: options.region, params: options.param });
    } catch (error) {
      // The framework prints a rejection's stack; for a settings problem the message is all there is to say.
      if (error instanceof DeploySettingsError) error.stack = error.message;
      throw error;
    }
  },
  accessTable: async ({ resolveVariable }) => {
    const settings = await resolveVariable('self:custom.settings');
    return stack.accessTableResource(settings.tableName, settings.tableDeletionProtection);
  },
  iamStatements: async ({ resolveVariable }) =>
    stack.botIamStatementsFor(await resolveVariable('self:custom.settings'), await resolveVariable('self:functions.slack.name')),
  environment: async ({ resolveVariable }) => functionEnvironment(await resolveVariable('self:custom.settings')),
};
