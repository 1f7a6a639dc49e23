"""The project's own resources, one Django app each (``stackgen generate resource NAME ...``).

settings.py installs every app found here and urls.py includes each one's
URLs, so a resource needs no wiring by hand. The apps are inside the project's
package, so the wheel carries them too.
"""
