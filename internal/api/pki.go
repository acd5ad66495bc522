package api

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/storage"
)

// PKI is the public face of a certification authority: its certificates, CRLs and OCSP answers, served
// without authentication at the URLs written into the certificates it issues.
type PKI interface {
	Certificate(name string) ([]byte, bool)
	Chain(issuer string) [][]byte
	CRL(ctx context.Context, name string) ([]byte, error)
	OCSP(ctx context.Context, req []byte) []byte
}

// maxOCSPRequest bounds an OCSP request; real ones are a few hundred bytes.
const maxOCSPRequest = 64 << 10

func (s *Server) registerPKI(mux *http.ServeMux) {
	if s.PKI == nil {
		return
	}
	mux.Handle("GET /ca/{file}", s.instrument("GET /ca/{file}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutSuffix(r.PathValue("file"), ".crt")
		der, found := s.PKI.Certificate(name)
		if !ok || !found {
			writeProblem(w, r, s.Log, errs.NotFoundf("no CA certificate %s", r.PathValue("file")))
			return
		}
		w.Header().Set("Content-Type", "application/pkix-cert")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Write(der)
	})))
	mux.Handle("GET /crl/{file}", s.instrument("GET /crl/{file}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutSuffix(r.PathValue("file"), ".crl")
		if !ok {
			writeProblem(w, r, s.Log, errs.NotFoundf("no CRL %s", r.PathValue("file")))
			return
		}
		der, err := s.PKI.CRL(r.Context(), name)
		if storage.IsNoRows(err) {
			err = errs.NotFoundf("no CRL %s", r.PathValue("file"))
		}
		if err != nil {
			writeProblem(w, r, s.Log, err)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(der)
	})))
	ocsp := func(w http.ResponseWriter, r *http.Request, req []byte) {
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(s.PKI.OCSP(r.Context(), req))
	}
	mux.Handle("GET /ocsp/{req...}", s.instrument("GET /ocsp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// RFC 6960 A.1: the path is the URL-encoded base64 of the DER request. Some clients leave '+' unescaped
		// or drop padding; accept both.
		enc := strings.ReplaceAll(r.PathValue("req"), " ", "+")
		req, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			req, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(enc, "="))
		}
		if err != nil {
			req = nil // the responder answers malformedRequest
		}
		ocsp(w, r, req)
	})))
	mux.Handle("POST /ocsp", s.instrument("POST /ocsp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxOCSPRequest+1))
		if err != nil || len(body) > maxOCSPRequest {
			body = nil
		}
		ocsp(w, r, body)
	})))
}
