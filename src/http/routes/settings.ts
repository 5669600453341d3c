import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { settingsPatchSchema } from '../../storage/settings-patch.js';
import { applySettings, readSettings, SettingsError } from '../../storage/settings-repository.js';
import { authorisedSpa } from '../auth.js';
import { HttpError } from '../errors.js';
import { audit } from '../staff/audit.js';

/** /settings: the receptionist's settings; staff read them, owners change them. */

const settingsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app;

  app.get('/settings', {
    schema: { tags: ['settings'], summary: "The spa's receptionist settings" },
  }, async (request) => readSettings(db, authorisedSpa(request)));

  app.patch('/settings', {
    config: { role: 'owner' },
    schema: { tags: ['settings'], summary: 'Change settings (owner); applied from the next call', body: settingsPatchSchema },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    try {
      await applySettings(db, spaId, request.body);
    } catch (error) {
      if (error instanceof SettingsError) throw new HttpError(400, 'VALIDATION_FAILED', error.message);
      throw error;
    }
    await audit(request, { action: 'settings.changed', recordType: 'spa', recordId: spaId, detail: { fields: Object.keys(request.body) } });
    return readSettings(db, spaId);
  });
};

export default settingsRoutes;
