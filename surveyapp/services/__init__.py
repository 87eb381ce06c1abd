"""Use-cases. Each public function is one unit of work; they never touch flask.request/session/g."""
