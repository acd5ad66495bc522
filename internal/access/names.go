package access

import (
	"context"
	"strings"

	"github.com/kcr-project/kcr/internal/storage"
)

// ActorNames resolves actors as histories record them ("user:<id>", "api_key:<id>") to names a person
// reads: a user's full name (the login when it is empty) and an API key's name. It looks only inside
// accountID, the account the actors acted in, and only when the principal belongs to that account or is the
// CA operator, so that a history never names a user of another account. Each distinct actor is read once;
// actors it cannot resolve (other kinds, unknown or foreign ids) are absent from the result, for the caller
// to show as recorded. The caller shows names only next to records the principal may already read.
func (s *Service) ActorNames(ctx context.Context, p *Principal, accountID string, actors []string) (map[string]string, error) {
	out := map[string]string{}
	if p == nil || accountID == "" || (p.AccountID != "" && p.AccountID != accountID) {
		return out, nil
	}
	seen := map[string]bool{}
	for _, a := range actors {
		if seen[a] {
			continue
		}
		seen[a] = true
		if id, ok := strings.CutPrefix(a, "user:"); ok {
			u, err := s.DB.User(ctx, accountID, id)
			if storage.IsNoRows(err) {
				continue
			} else if err != nil {
				return nil, err
			}
			out[a] = u.FullName
			if out[a] == "" {
				out[a] = u.Login
			}
		} else if id, ok := strings.CutPrefix(a, "api_key:"); ok {
			k, err := s.DB.APIKey(ctx, accountID, id)
			if storage.IsNoRows(err) {
				continue
			} else if err != nil {
				return nil, err
			}
			out[a] = k.Name
		}
	}
	return out, nil
}
