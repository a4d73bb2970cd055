import { Version3Client } from 'jira.js';

export interface JiraApiSettings {
  host: string;
  email: string;
  apiToken: string;
}

export function createJiraClient(settings: JiraApiSettings): Version3Client {
  return new Version3Client({
    host: settings.host,
    authentication: { basic: { email: settings.email, apiToken: settings.apiToken } },
    // A Jira call that hangs must fail so the durable job retries it (and finds what the first attempt made).
    baseRequestConfig: { timeout: 15_000 },
  });
}
