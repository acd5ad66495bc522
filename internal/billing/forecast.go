package billing

import (
	"context"
	"slices"
	"sort"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// ForecastMonth is one month of the renewal cost plan.
type ForecastMonth struct {
	Period       string          `json:"period"` // YYYY-MM
	Certificates int             `json:"certificates"`
	NetKopecks   int64           `json:"net_kopecks"`
	VATKopecks   int64           `json:"vat_kopecks"`
	TotalKopecks int64           `json:"total_kopecks"`
	ByPayer      []ForecastPayer `json:"by_payer"`
}

// ForecastPayer is one paying organization's share of a month.
type ForecastPayer struct {
	OrganizationID   string `json:"organization_id"`
	OrganizationName string `json:"organization_name"`
	Certificates     int    `json:"certificates"`
	NetKopecks       int64  `json:"net_kopecks"`
}

// Forecast is the next twelve months' renewal cost: for each month, the certificates in scope that expire in
// it, priced at the tariff their reissue will be billed under then (the rules decide the position: a legacy
// employee certificate renews as an individual one).
func (s *Service) Forecast(ctx context.Context, p *access.Principal) ([]ForecastMonth, error) {
	if !p.Can(access.ForecastRead) {
		return nil, errs.New(errs.Forbidden, "your role cannot read the cost forecast")
	}
	now := s.Clock.Now().In(rules.MSK)
	months := make([]ForecastMonth, 12)
	index := map[string]int{}
	for i := range months {
		period := PeriodOf(now.AddDate(0, i, 1-now.Day()))
		months[i] = ForecastMonth{Period: period, ByPayer: []ForecastPayer{}}
		index[period] = i
	}
	end, _ := parsePeriod("period", nextPeriod(months[11].Period, 1))
	certs, err := s.DB.RenewalCandidates(ctx, p.Scope(), nil, end, "")
	if err != nil {
		return nil, err
	}
	orgs := map[string]*model.Organization{}
	type key struct {
		month int
		org   string
	}
	sums := map[key]*ForecastPayer{}
	for _, c := range certs {
		if !c.NotAfter.After(s.Clock.Now()) {
			continue // already expired: not a renewal the plan can schedule
		}
		i, ok := index[PeriodOf(c.NotAfter)]
		if !ok {
			continue
		}
		o := orgs[c.OrganizationID]
		if o == nil {
			if o, err = s.DB.Organization(ctx, storage.Scope{AccountID: c.AccountID}, c.OrganizationID); err != nil {
				return nil, err
			}
			orgs[c.OrganizationID] = o
		}
		prev := rules.Previous{Kind: c.Kind, Status: model.CertValid, NotAfter: c.NotAfter}
		d, refusal := rules.Reissue(s.timeline(), c.NotAfter.Add(-1), prev, rules.RecipientSame, o.Sector, o.Kind)
		if refusal != nil {
			continue
		}
		price := int64(0)
		// A head renews remotely with the current certificate: no service-center identification to pay.
		if !(d.BillingPosition == rules.BillingHeadIdentification && slices.Contains(d.Identification, model.VerifiedRemoteQualified)) {
			t, err := s.DB.TariffAt(ctx, d.BillingPosition, DateOf(c.NotAfter))
			if storage.IsNoRows(err) {
				continue
			} else if err != nil {
				return nil, err
			}
			price = t.PriceKopecks
		}
		k := key{i, c.OrganizationID}
		if sums[k] == nil {
			sums[k] = &ForecastPayer{OrganizationID: o.ID, OrganizationName: o.Name}
		}
		sums[k].Certificates++
		sums[k].NetKopecks += price
	}
	for k, v := range sums {
		m := &months[k.month]
		m.ByPayer = append(m.ByPayer, *v)
		m.Certificates += v.Certificates
		m.NetKopecks += v.NetKopecks
	}
	for i := range months {
		m := &months[i]
		sort.Slice(m.ByPayer, func(a, b int) bool { return m.ByPayer[a].OrganizationName < m.ByPayer[b].OrganizationName })
		start, _ := parsePeriod("period", m.Period)
		vat, err := s.DB.VATAt(ctx, DateOf(start.AddDate(0, 1, -1))) // the rate the close will use
		if err != nil {
			return nil, err
		}
		m.VATKopecks = VAT(m.NetKopecks, vat)
		m.TotalKopecks = m.NetKopecks + m.VATKopecks
	}
	return months, nil
}
