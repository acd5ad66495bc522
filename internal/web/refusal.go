package web

import (
	"fmt"

	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
)

// refusalText is the message of a rule refusal. In Russian it is the rules' own sentence, which names the
// kinds, authorities and dates of the case; in another language, the catalogue's text of the rule and the
// date that decided it.
func refusalText(l locale, e *errs.Error) string {
	if l == ru && e.Detail != "" {
		return e.Detail
	}
	msg, ok := l.text("refusal." + e.Rule)
	if !ok {
		msg = l.T("refusal.other")
	}
	if e.RuleDate != "" {
		msg += " " + fmt.Sprintf(l.T("refusal.date"), e.RuleDate)
	}
	return msg
}

// lineText describes a billing line: in Russian as the invoice prints it, otherwise from the catalogue.
func lineText(l locale, line *model.BillingLine) string {
	if l == ru {
		return billing.Describe(line)
	}
	d, ok := l.text("pos." + string(line.Position))
	if !ok {
		d = string(line.Position)
	}
	if line.CertificateSerial != "" {
		d += ", " + fmt.Sprintf(l.T("lines.serial_no"), line.CertificateSerial)
	}
	return d + ", " + line.EmployeeInitials
}
