"""The app's dialogs: model manager, training, settings, export and the like."""
