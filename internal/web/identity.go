package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/rules"
)

// identityView is what the registrar compares with the original document at the identity check: the
// employee's data as their card records it, formatted for l.
type identityView struct {
	FullName, BirthDate, SNILS                             string
	DocType, Series, Number, IssueDate, Issuer, IssuerCode string
}

// checkRow is a checklist item with what to compare it against on this application ("" when the viewer
// may not read personal data or the item has nothing to compare, like the photo).
type checkRow struct {
	checkItem
	Compare string
}

// identityCheck fills the card's identity check: while the application waits for it, a viewer who may read
// personal data gets the employee's document, birth date and СНИЛС (Reg.Employee checks the scope and
// audits the read, as the employee card does), and the checklist names what each item is compared with.
func (h *Handler) identityCheck(r *http.Request, p *access.Principal, v *registration.ApplicationView, d *appCardData) error {
	l := localeOf(r)
	if v.State == model.StateIdentityVerification && v.Verification == nil && p.Can(access.EmployeeRead) {
		e, err := h.Reg.Employee(r.Context(), p, v.EmployeeID)
		if err == nil {
			d.Check = newIdentityView(l, e)
		} else if k := errs.KindOf(err); k != errs.NotFound && k != errs.Forbidden {
			return err
		}
	}
	d.Checklist = nil
	for _, c := range identityChecklist {
		d.Checklist = append(d.Checklist, checkRow{checkItem: c, Compare: compareWith(l, c.Key, d.Check, v)})
	}
	return nil
}

func newIdentityView(l locale, e *model.Employee) *identityView {
	return &identityView{FullName: e.FullName(), BirthDate: dayText(l, e.BirthDate), SNILS: formatSNILS(e.SNILS),
		DocType: l.T("doc." + string(e.Document.Type)), Series: e.Document.Series, Number: e.Document.Number,
		IssueDate: dayText(l, e.Document.IssueDate), Issuer: e.Document.Issuer, IssuerCode: e.Document.IssuerCode}
}

// compareWith is what a checklist item is checked against, in l: the document's type and number, the
// name, birth date and issue details, the СНИЛС, or the certificate a renewal is signed with.
func compareWith(l locale, key string, iv *identityView, v *registration.ApplicationView) string {
	if key == "signature" {
		if v.ReissueOf != "" {
			return l.T("check.cert") + " " + v.ReissueOf
		}
		return ""
	}
	if iv == nil {
		return ""
	}
	switch key {
	case "presented":
		return strings.Join(nonEmpty(iv.DocType, iv.Series, iv.Number), " ")
	case "data":
		issued := strings.Join(nonEmpty(iv.IssueDate, iv.Issuer), " ")
		if iv.IssuerCode != "" {
			issued += ", " + l.T("check.code") + " " + iv.IssuerCode
		}
		return strings.Join(nonEmpty(iv.FullName, iv.BirthDate, l.T("check.issued")+" "+issued), "; ")
	case "snils":
		return iv.SNILS
	}
	return ""
}

func nonEmpty(parts ...string) []string {
	return slices.DeleteFunc(parts, func(s string) bool { return strings.TrimSpace(s) == "" })
}

// dayText shows a YYYY-MM-DD date as l writes dates; anything else stays as it is.
func dayText(l locale, s string) string {
	t, err := time.ParseInLocation(time.DateOnly, s, rules.MSK)
	if err != nil {
		return s
	}
	return l.date(t)
}

// missingChecks names, in l, the checklist items that apply to method m and were not ticked.
func missingChecks(l locale, m model.VerificationMethod, ticked []string) string {
	var out []string
	for _, c := range identityChecklist {
		if c.applies(m) && !slices.Contains(ticked, c.Key) {
			out = append(out, "«"+l.T("check."+c.Key)+"»")
		}
	}
	return strings.Join(out, ", ")
}

// readyToApprove reports whether an application has what approval needs: a verified identity and a
// request. Before that the card does not offer "approve" (the service would refuse it).
func readyToApprove(v *registration.ApplicationView) bool {
	return v.Verification != nil && v.HasCSR
}

// neededActions drops from the offered actions the steps not needed now: "approve" until the application is
// ready for it, and the identity check once it is recorded (by the registrar, or by the valid certificate a
// reissue replaces); a check to redo follows a correction, which withdraws it.
func neededActions(actions []string, v *registration.ApplicationView) []string {
	return slices.DeleteFunc(actions, func(a string) bool {
		return (a == string(registration.ActApprove) && !readyToApprove(v)) ||
			(a == string(registration.ActVerifyIdentity) && v.Verification != nil)
	})
}
