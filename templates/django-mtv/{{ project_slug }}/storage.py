"""Static files storage: WhiteNoise's hashed, compressed files once collected.

Before ``collectstatic`` has run there is no manifest, and Django's manifest
storage raises for every ``static`` template tag: every page of a DEBUG=false run
would answer 500. This storage logs a warning instead and uses the plain
names, which WhiteNoise then serves from the apps (see
``WHITENOISE_USE_FINDERS`` in the settings).
"""

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    _warned = False

    def stored_name(self, name: str) -> str:
        if self.hashed_files:
            return super().stored_name(name)
        if not self._warned:
            self._warned = True
            logger.warning(
                "No static files manifest in %s: serving unhashed static files from the "
                "apps. Run `python manage.py collectstatic` before serving in production.",
                self.location,
            )
        return name
