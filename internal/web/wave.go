package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

// registerKeys are the register's filter parameters, the ones a renewal wave over "all found" carries.
var registerKeys = []string{"org", "inn", "kpp", "ogrn", "employee", "snils", "status", "kind", "legacy", "expires"}

// expiryWindows are the expiry windows the register offers, in days (the dashboard's figures).
var expiryWindows = []int{30, 60, 90}

// registerFilter is the register's search as the query names it, with the expiry window ("expires", days)
// and "legacy only". ok is false when the search can find nothing (legacy before its cutoff).
func (h *Handler) registerFilter(q url.Values) (f storage.CertFilter, ok bool, err error) {
	f = storage.CertFilter{OrgNamePrefix: strings.TrimSpace(q.Get("org")), INN: strings.TrimSpace(q.Get("inn")),
		KPP: strings.TrimSpace(q.Get("kpp")), OGRN: strings.TrimSpace(q.Get("ogrn")),
		EmployeeNamePrefix: strings.TrimSpace(q.Get("employee")), SNILS: strings.TrimSpace(q.Get("snils")),
		Status: model.CertStatus(q.Get("status")), Kind: model.CertKind(q.Get("kind"))}
	if v := strings.TrimSpace(q.Get("expires")); v != "" {
		days, err := strconv.Atoi(v)
		if err != nil {
			return f, false, errs.Field("expires", "format", "days")
		}
		if f, err = h.Reg.ExpiringWithin(f, days); err != nil {
			return f, false, renameField(err, "expires_within_days", "expires")
		}
	}
	if q.Get("legacy") != "" {
		// Only today's legacy certificates, found by the database; none when the law has none (yet).
		if f, ok = h.Reg.LegacyOnly(f); !ok {
			return f, false, nil
		}
	}
	return f, true, nil
}

// renameField gives a field error the name of the web form's field.
func renameField(err error, from, to string) error {
	var e *errs.Error
	if errors.As(err, &e) {
		for i := range e.Fields {
			if e.Fields[i].Field == from {
				e.Fields[i].Field = to
			}
		}
	}
	return err
}

// registerQuery keeps the register's filter parameters of q, for the wave form and the way back.
func registerQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range registerKeys {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// expiryOptions offers the register's expiry windows.
func expiryOptions(l locale) []option {
	var out []option
	for _, d := range expiryWindows {
		out = append(out, option{strconv.Itoa(d), l.T("dash.in" + strconv.Itoa(d))})
	}
	return out
}

// waveListed is how many certificates and created applications the wave's pages list by name.
const waveListed = 20

// waveData is the renewal wave's confirmation (Done false: what would be created, with the run button) or
// its summary (Done true: what was created and skipped).
type waveData struct {
	Done     bool
	Result   *registration.WaveResult
	Serials  []string
	Skipped  []skipRow
	Created  []*registration.ApplicationView // the first created applications, for links
	Certs    []*model.Certificate            // the first selected certificates, in the confirmation
	Full     int                             // applications that need the full identity check
	Back     string                          // the register with the filter the wave came from
	Filter   url.Values
	Capped   bool // "all found" found more than a wave takes
	Message  string
	Nothing  bool // nothing would be created
	MaxWave  int
	Selected int
}

// skipRow is one reason certificates were skipped, in words.
type skipRow struct {
	Reason string
	N      int
}

// waveConfirm answers the register's wave form: it resolves the selection (the ticked certificates, or
// all the register's filter finds) and shows what the wave would create and skip, asking to confirm.
// Nothing is created here.
func (h *Handler) waveConfirm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	if !p.Can(access.CertReissue) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "reissue certificates"))
		return
	}
	filter := registerQuery(r.PostForm)
	d := waveData{Filter: filter, Back: "/ui/certificates?" + filter.Encode(), MaxWave: registration.MaxWaveSerials}
	switch r.PostForm.Get("scope") {
	case "all":
		f, ok, err := h.registerFilter(filter)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		if ok {
			if d.Serials, d.Capped, err = h.Reg.CertificateSerials(r.Context(), p, f, registration.MaxWaveSerials); err != nil {
				h.fail(w, r, p, err)
				return
			}
		}
	default:
		d.Serials = slices.Compact(slices.Sorted(slices.Values(r.PostForm["serial"])))
		if len(d.Serials) > registration.MaxWaveSerials {
			d.Serials, d.Capped = d.Serials[:registration.MaxWaveSerials], true
		}
	}
	d.Selected = len(d.Serials)
	if len(d.Serials) == 0 {
		d.Nothing, d.Message = true, l.T("wave.none_selected")
		h.render(w, r, http.StatusUnprocessableEntity, "wave", l.T("wave.title"), p, d)
		return
	}
	res, err := h.Reg.PreviewRenewalWave(r.Context(), p, registration.WaveInput{Serials: d.Serials})
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.fill(l, res)
	// The first certificates by name, so that the caller sees what the wave is about.
	for _, serial := range d.Serials[:min(len(d.Serials), waveListed)] {
		if c, err := h.Reg.Certificate(r.Context(), p, serial); err == nil {
			d.Certs = append(d.Certs, c)
		}
	}
	h.render(w, r, http.StatusOK, "wave", l.T("wave.title"), p, d)
}

// waveRun runs the confirmed wave over the serials the confirmation carried and shows its summary. A
// repeated submit creates nothing twice: the wave skips certificates that already have a reissue.
func (h *Handler) waveRun(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	filter := registerQuery(r.PostForm)
	d := waveData{Done: true, Filter: filter, Back: "/ui/certificates?" + filter.Encode(), Serials: r.PostForm["serial"]}
	d.Selected = len(d.Serials)
	res, err := h.Reg.RenewalWave(r.Context(), p, registration.WaveInput{Serials: d.Serials})
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.fill(l, res)
	for _, id := range res.ApplicationIDs[:min(len(res.ApplicationIDs), waveListed)] {
		if v, err := h.Reg.Application(r.Context(), p, id); err == nil {
			d.Created = append(d.Created, v)
		}
	}
	h.render(w, r, http.StatusOK, "wave", l.T("wave.done_title"), p, d)
}

// fill sets the result and its skip reasons in words, most frequent first.
func (d *waveData) fill(l locale, res *registration.WaveResult) {
	d.Result, d.Nothing = res, res.Created == 0
	d.Full = res.Created - res.IdentifiedRemotely
	for reason, n := range res.Skipped {
		d.Skipped = append(d.Skipped, skipRow{Reason: skipReason(l, reason), N: n})
	}
	slices.SortFunc(d.Skipped, func(a, b skipRow) int {
		if a.N != b.N {
			return b.N - a.N
		}
		return strings.Compare(a.Reason, b.Reason)
	})
}

// skipReason is why a wave skipped certificates, in l: the wave's own reasons, or a rule's refusal text.
func skipReason(l locale, reason string) string {
	if s, ok := l.text("wave.skip." + reason); ok {
		return s
	}
	if s, ok := l.text("refusal." + reason); ok {
		return s
	}
	return l.T("refusal.other")
}
