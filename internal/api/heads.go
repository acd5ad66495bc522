package api

import (
	"net/http"

	"github.com/kcr-project/kcr/internal/registration"
)

func (s *Server) getHead(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Reg.Head(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) setHead(w http.ResponseWriter, r *http.Request) error {
	var in registration.HeadInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Reg.SetHead(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) dismissEmployee(w http.ResponseWriter, r *http.Request) error {
	var in registration.DismissInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e, err := s.Reg.DismissEmployee(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}
