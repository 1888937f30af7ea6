"""Settings split by where the back office runs: ``local`` (make run), ``test``, ``production`` (Lambda).
All share ``base``; everything that differs is read from the environment."""
