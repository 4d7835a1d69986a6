// Runs ../sites-domain-change.test.ts again with every relay on its own database in a private PostgreSQL cluster.
import { usePostgres } from '../support/databases.js';

usePostgres();
await import('../sites-domain-change.test.js');
