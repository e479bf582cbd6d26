// A Serverless Framework plugin (serverless.yml, `plugins`): just before the function is zipped,
// by `npm run package` and `npm run deploy` alike, it writes the stage's repository list into the
// bundle (deploy/repository-file.ts), and the stage's accounts file if it has one
// (deploy/accounts-file.ts), and says so when there are too many repositories for the
// role to name one by one, with the name patterns it names instead (README.md, "AWS permissions
// the bot needs").
'use strict';
const { require: requireTs } = require('tsx/cjs/api');

const { writeRepositoryFile, writeSettingsFile } = requireTs('./repository-file.ts', __filename);
const { writeAccountsFile } = requireTs('./accounts-file.ts', __filename);
const { ecrResourcePatterns } = requireTs('./stack.ts', __filename);

class RepositoryFileInBundle {
  constructor(serverless, _options, { log } = {}) {
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => {
        const { repositories, region, settingsFile, accountsFile } = serverless.service.custom.settings;
        if (settingsFile) writeSettingsFile(settingsFile);
        else writeRepositoryFile(repositories);
        writeAccountsFile(accountsFile);
        const names = repositories.split(',');
        const patterns = ecrResourcePatterns(names, region);
        // A settings file's patterns are wildcards by design; only names taken together are news.
        if (!settingsFile && patterns.some((pattern) => pattern.endsWith('*')) && log) {
          log.notice(
            `ecr-access: ${names.length} repositories are more than the function's role can name one by one; it may use ECR on the repositories named ${patterns.join(', ')} (README.md, "AWS permissions the bot needs"). The bot itself still acts on the listed ones only.`,
          );
        }
      },
    };
  }
}

module.exports = RepositoryFileInBundle;
