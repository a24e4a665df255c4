"""The app repository's half: function code, web code and the release tool."""
