from .glee_query_tracker import TRACK_ASSOCIATIONS, GLEEQueryTracker

__all__: list = ['GLEEQueryTracker', 'TRACK_ASSOCIATIONS']
