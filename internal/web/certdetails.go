package web

import (
	"net/http"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/certform"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
)

// The certificate card's details (issue 14, part 9): subject and issuer as labelled names, the thumbprint,
// the key usage period and the extensions in words, read by certform; and the printed certificate form.

func init() {
	funcs["certDetails"] = certDetails
	funcs["certKnown"] = func(code string) bool { _, ok := certform.Words[code]; return ok }
}

// certDetails reads a certificate's details for its card with the personal identifiers masked; nil when the
// certificate has no readable DER (the card then shows its stored data only).
func certDetails(c *model.Certificate) *certform.Details {
	if c == nil || len(c.DER) == 0 {
		return nil
	}
	d, err := certform.Read(c.DER, true)
	if err != nil {
		return nil
	}
	return d
}

// certificateForm prints the certificate form the holder signs, /ui/certificates/{serial}/form.pdf. It shows
// the personal data whole, so it goes through Reg.CertificateDocument: the right to personal data, audited.
func (h *Handler) certificateForm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	c, err := h.Reg.CertificateDocument(r.Context(), p, r.PathValue("serial"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d, err := certform.Read(c.DER, false)
	if err != nil {
		h.fail(w, r, p, errs.New(errs.Unavailable, "the certificate cannot be read: %v", err))
		return
	}
	pdf, err := certform.PDF(d)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", document.ContentDisposition("attachment", "certificate-form-"+strings.ToLower(c.Serial)+".pdf"))
	_, _ = w.Write(pdf)
}
