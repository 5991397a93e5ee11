// The checks shared by the items API examples (examples/shared/src/items-api-checks.ts), against this app.
import { describeDevMode, describeItemsApi } from '@latchkey/example-shared/items-api-checks';
import { listening } from '@latchkey/example-shared/running-app';
import { createApp } from '../src/app.js';

describeItemsApi('Express', (verifier) => listening(createApp(verifier).listen(0, '127.0.0.1')));
describeDevMode(new URL('..', import.meta.url));
