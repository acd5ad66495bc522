package api

import (
	"net/http"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/model"
)

// PasswordReset is the body of POST /users/{id}/reset-password: the new password, or nothing for a
// generated one.
type PasswordReset struct {
	Password string `json:"password,omitempty"`
}

// PasswordResetResult shows the temporary password once; kcr keeps only its hash.
type PasswordResetResult struct {
	User              *model.User `json:"user"`
	TemporaryPassword string      `json:"temporary_password"`
}

// SessionsEnded says how many sessions an end-sessions call ended.
type SessionsEnded struct {
	SessionsEnded int64 `json:"sessions_ended"`
}

// userRoutes are the routes that take access away or change it.
func (s *Server) userRoutes() []route {
	return []route{
		{Method: "GET", Path: "/api/v1/users/{id}", ID: "getUser", Tag: "users", Summary: "Get a user",
			Out: model.User{}, Status: 200, Handle: (*Server).getUser},
		{Method: "PUT", Path: "/api/v1/users/{id}", ID: "changeUser", Tag: "users",
			Summary: "Replace a user's role, organization scope and linked employee; holds from the user's next request",
			In:      access.UserChange{}, Out: model.User{}, Status: 200, Handle: (*Server).changeUser},
		{Method: "POST", Path: "/api/v1/users/{id}/disable", ID: "disableUser", Tag: "users",
			Summary: "Disable a user and end all their sessions at once", Out: model.User{}, Status: 200,
			Handle: func(s *Server, w http.ResponseWriter, r *http.Request) error { return s.setUserDisabled(w, r, true) }},
		{Method: "POST", Path: "/api/v1/users/{id}/enable", ID: "enableUser", Tag: "users", Summary: "Enable a disabled user",
			Out: model.User{}, Status: 200,
			Handle: func(s *Server, w http.ResponseWriter, r *http.Request) error { return s.setUserDisabled(w, r, false) }},
		{Method: "POST", Path: "/api/v1/users/{id}/reset-password", ID: "resetUserPassword", Tag: "users",
			Summary: "Set a temporary password (given, or generated and shown once) and end the user's sessions",
			In:      PasswordReset{}, BodyOptional: true, Out: PasswordResetResult{}, Status: 200, Handle: (*Server).resetPassword},
		{Method: "POST", Path: "/api/v1/users/{id}/end-sessions", ID: "endUserSessions", Tag: "users",
			Summary: "Sign a user out everywhere", Out: SessionsEnded{}, Status: 200, Handle: (*Server).endSessions},
	}
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	if err := noQuery(r); err != nil {
		return err
	}
	u, err := s.Access.User(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) changeUser(w http.ResponseWriter, r *http.Request) error {
	var in access.UserChange
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.Access.ChangeUser(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) setUserDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	u, err := s.Access.SetUserDisabled(r.Context(), principalOf(r), r.PathValue("id"), disabled)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	var in PasswordReset
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	u, pw, err := s.Access.ResetPassword(r.Context(), principalOf(r), r.PathValue("id"), in.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, PasswordResetResult{User: u, TemporaryPassword: pw})
	return nil
}

func (s *Server) endSessions(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Access.EndSessions(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, SessionsEnded{SessionsEnded: n})
	return nil
}
