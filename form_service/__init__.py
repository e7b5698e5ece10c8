"""Form service: takes clients' requests, stores them and routes them to a member."""
