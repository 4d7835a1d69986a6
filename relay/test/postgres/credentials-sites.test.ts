// Runs ../credentials-sites.test.ts again with every relay on its own database in a private PostgreSQL cluster.
import { usePostgres } from '../support/databases.js';

usePostgres();
await import('../credentials-sites.test.js');
