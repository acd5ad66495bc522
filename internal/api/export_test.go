package api

import "net/http"

// SetBeforeAnswer makes the server run f just before it stores an idempotent answer; an error stands for a
// crash between the work and the answer.
func SetBeforeAnswer(s *Server, f func(r *http.Request) error) { s.beforeAnswer = f }
