"""One small Lambda handler per pipeline step (see ``media_pipeline.steps``)."""
