package attorney

import (
	"context"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/storage"
)

// View is a power of attorney's card: the record, its history and where its status can be checked.
type View struct {
	mchd.Record
	StatusURL string              `json:"status_url"`
	History   []mchd.HistoryEntry `json:"history"`
}

// Get returns a power of attorney's card with its history; the read is audited.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (*View, error) {
	r, err := s.read(ctx, p, id, "card")
	if err != nil {
		return nil, err
	}
	h, err := s.DB.PowerOfAttorneyHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	return &View{Record: *r, StatusURL: s.Registry.StatusURL(r.Number), History: h}, nil
}

// File returns a power of attorney's exact file bytes and file name; the read is audited.
func (s *Service) File(ctx context.Context, p *access.Principal, id string) (name string, data []byte, err error) {
	r, err := s.readBytes(ctx, p, id, "file")
	if err != nil {
		return "", nil, err
	}
	return r.FileName, r.XML, nil
}

// Signature returns the head's signature (DER) and its file name <ИдФайл>.xml.sig; the read is audited.
func (s *Service) Signature(ctx context.Context, p *access.Principal, id string) (name string, der []byte, err error) {
	r, err := s.readBytes(ctx, p, id, "signature")
	if err != nil {
		return "", nil, err
	}
	if len(r.Signature) == 0 {
		return "", nil, errs.NotFoundf("the power of attorney has no signature yet")
	}
	return r.FileName + ".sig", r.Signature, nil
}

// readBytes reads a record for its file or signature: the representative's and the head's personal data
// (birth date, ИНН, the head's certificate), which the CA operator does not see, as with employees.
func (s *Service) readBytes(ctx context.Context, p *access.Principal, id, what string) (*mchd.Record, error) {
	if !p.Can(access.EmployeeRead) {
		return nil, forbidden("read the files of")
	}
	return s.read(ctx, p, id, what)
}

func (s *Service) read(ctx context.Context, p *access.Principal, id, what string) (*mchd.Record, error) {
	if !canRead(p) {
		return nil, forbidden("read")
	}
	var r *mchd.Record
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if r, err = s.record(ctx, p, id); err != nil {
			return err
		}
		return s.audit(ctx, p.Actor, audit.PoARead, r, map[string]any{"part": what})
	})
	return r, err
}

// Page is one page of a list and the cursor of the next ("" at the end).
type Page struct {
	Items      []*mchd.Record `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// MaxPageSize bounds a page; DefaultPageSize is used when the caller gives none.
const (
	MaxPageSize     = 200
	DefaultPageSize = 50
)

// ListFilter narrows the list; EndingBefore is a Moscow date "YYYY-MM-DD".
type ListFilter = storage.PoAFilter

// List lists powers of attorney in scope, by id; the read is audited.
func (s *Service) List(ctx context.Context, p *access.Principal, f ListFilter, cursor string, limit int) (*Page, error) {
	if !canRead(p) {
		return nil, forbidden("read")
	}
	after, ok := storage.DecodeCursor(cursor)
	if !ok {
		return nil, errs.Field("cursor", "malformed", "is not a cursor this API returned")
	}
	if limit == 0 {
		limit = DefaultPageSize
	}
	if limit < 1 || limit > MaxPageSize {
		return nil, errs.Field("limit", "range", "must be between 1 and 200")
	}
	if f.State != "" && !validState(f.State) {
		return nil, errs.Field("state", "enum", "must be one of the states")
	}
	if f.EndingBefore != "" && !dateRe.MatchString(f.EndingBefore) {
		return nil, errs.Field("ending_before", "format", "must be a date YYYY-MM-DD")
	}
	out := &Page{Items: []*mchd.Record{}}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		rows, err := s.DB.PowersOfAttorney(ctx, p.Scope(), f, storage.Page{After: after, Limit: limit + 1})
		if err != nil {
			return err
		}
		if len(rows) > limit {
			rows = rows[:limit]
			out.NextCursor = storage.EncodeCursor(rows[limit-1].ID)
		}
		if rows != nil {
			out.Items = rows
		}
		if len(rows) == 0 {
			return nil
		}
		return s.DB.AppendAudit(ctx, &audit.Event{At: s.Clock.Now(), Actor: p.Actor, Action: string(audit.PoAList),
			ObjectType: "power_of_attorney", AccountID: p.AccountID, Detail: map[string]any{"count": len(rows)}}, nil)
	})
	return out, err
}

func validState(st mchd.State) bool {
	for _, v := range mchd.States {
		if v == st {
			return true
		}
	}
	return false
}

// Check answers whether a signature by the certificate is authorized for the power on behalf of the
// organization (or by the numbered power of attorney) at the given time, from the caller's account's
// powers of attorney (every account's for the CA operator). At defaults to now.
func (s *Service) Check(ctx context.Context, p *access.Principal, q mchd.CheckQuery) (*mchd.CheckResult, error) {
	if !canRead(p) {
		return nil, forbidden("check")
	}
	q.AccountID = p.AccountID
	if q.At.IsZero() {
		q.At = s.Clock.Now()
	}
	c := mchd.Checker{Find: s.DB}
	return c.Check(ctx, q)
}
