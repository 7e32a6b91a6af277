// The instance admin the server seeds on start; shared by the config (which passes it to the
// server) and the tests (which sign in with it).
export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'correct horse battery staple';

/** The organization the server seeds, with region `auto` and workspace "Default Workspace". */
export const DEFAULT_ORG = '00000000-0000-0000-0000-000000000000';
