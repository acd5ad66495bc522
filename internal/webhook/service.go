package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/jobs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

// Delivery timing.
const (
	// RetryWindow is how long a failing delivery is retried before it fails for good and its endpoint is
	// disabled.
	RetryWindow = 24 * time.Hour
	// RotationOverlap is how long the secret replaced by a rotation keeps signing beside the new one.
	RotationOverlap = 24 * time.Hour
	// DefaultAttemptTimeout bounds one attempt: connection, request and answer.
	DefaultAttemptTimeout = 10 * time.Second
	firstRetry            = 30 * time.Second
	maxRetry              = 2 * time.Hour
)

// Service manages endpoints and delivers events to them.
type Service struct {
	DB     *storage.DB
	Clock  clock.Clock
	Sealer *Sealer
	Log    *slog.Logger
	// AllowLocalhost accepts http(s)://localhost, 127.0.0.1 and [::1] endpoints, for tests and demos.
	AllowLocalhost bool
	// AttemptTimeout bounds one attempt; 0 means DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// Jitter returns a random duration in [0, d); nil uses math/rand. Tests pin it.
	Jitter func(d time.Duration) time.Duration
	// Jobs, set by Register, runs each attempt as a durable job; nil leaves attempts to Run's sweep.
	Jobs *jobs.Queue

	client *http.Client
}

// EndpointInput creates or replaces an endpoint's settings.
type EndpointInput struct {
	URL         string                   `json:"url"`
	Description string                   `json:"description"`
	EventTypes  []model.WebhookEventType `json:"event_types"`
	// APIKeyID limits the endpoint to the organizations of one of the account's API keys (create only).
	APIKeyID string `json:"api_key_id,omitempty"`
}

// CreatedEndpoint is a new endpoint (or one with a rotated secret) with its secret, shown this once.
type CreatedEndpoint struct {
	*model.WebhookEndpoint
	Secret string `json:"secret"`
}

func (s *Service) timeout() time.Duration {
	if s.AttemptTimeout > 0 {
		return s.AttemptTimeout
	}
	return DefaultAttemptTimeout
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// httpClient is the client of every attempt: no redirects followed (a 3xx is a failure), no proxy, every
// connection checked against private targets, and a deadline per attempt.
func (s *Service) httpClient() *http.Client {
	if s.client == nil {
		tr := &http.Transport{DialContext: dialContext(s.AllowLocalhost), ForceAttemptHTTP2: true,
			TLSHandshakeTimeout: s.timeout(), ResponseHeaderTimeout: s.timeout(), MaxIdleConnsPerHost: 2,
			IdleConnTimeout: 90 * time.Second}
		s.client = &http.Client{Transport: tr, Timeout: s.timeout(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return s.client
}

func canManage(p *access.Principal) error {
	if !p.Can(access.APIKeyManage) || p.AccountID == "" {
		return errs.New(errs.Forbidden, "your role cannot manage webhooks")
	}
	return nil
}

func (s *Service) audit(ctx context.Context, actor string, action audit.Action, e *model.WebhookEndpoint, detail map[string]any) error {
	return s.DB.AppendAudit(ctx, &audit.Event{At: s.Clock.Now(), Actor: actor, Action: string(action), ObjectType: "webhook",
		ObjectID: e.ID, AccountID: e.AccountID, Detail: detail}, nil)
}

// hostOf names an endpoint in audit details by its host only: the path may carry an integrator's token.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

func (s *Service) validate(in *EndpointInput) error {
	var f errs.Fields
	in.URL = strings.TrimSpace(in.URL)
	in.Description = strings.TrimSpace(in.Description)
	if msg := urlProblem(in.URL, s.AllowLocalhost); msg != "" {
		f.Add("url", "invalid", msg)
	}
	if len([]rune(in.Description)) > 200 {
		f.Add("description", "too_long", "must be at most 200 characters")
	}
	if len(in.EventTypes) == 0 {
		f.Add("event_types", "required", "subscribe to at least one event type")
	}
	for _, t := range in.EventTypes {
		if !model.Valid(t) {
			f.Add("event_types", "unknown", fmt.Sprintf("unknown event type %q", t))
		}
	}
	slices.Sort(in.EventTypes)
	in.EventTypes = slices.Compact(in.EventTypes)
	return f.Err()
}

// CreateEndpoint adds an endpoint to the principal's account and returns it with its secret, shown only now.
func (s *Service) CreateEndpoint(ctx context.Context, p *access.Principal, in EndpointInput) (*CreatedEndpoint, error) {
	if err := canManage(p); err != nil {
		return nil, err
	}
	if err := s.validate(&in); err != nil {
		return nil, err
	}
	if in.APIKeyID != "" {
		k, err := s.DB.APIKey(ctx, p.AccountID, in.APIKeyID)
		if storage.IsNoRows(err) || (err == nil && k.RevokedAt != nil) {
			return nil, errs.Field("api_key_id", "unknown", "no such active API key in your account")
		} else if err != nil {
			return nil, err
		}
	}
	secret, err := NewSecret()
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	e := &model.WebhookEndpoint{ID: uuid.Must(uuid.NewV7()).String(), AccountID: p.AccountID, APIKeyID: in.APIKeyID,
		URL: in.URL, Description: in.Description, EventTypes: in.EventTypes, State: model.WebhookEnabled,
		CreatedBy: p.Actor, CreatedAt: now, UpdatedAt: now}
	if e.Secret, err = s.Sealer.Seal(e.ID, secret); err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.CreateWebhookEndpoint(ctx, e); err != nil {
			return err
		}
		return s.audit(ctx, p.Actor, audit.WebhookCreate, e, map[string]any{"host": hostOf(e.URL),
			"event_types": e.EventTypes, "api_key_id": e.APIKeyID})
	})
	if err != nil {
		return nil, err
	}
	return &CreatedEndpoint{WebhookEndpoint: e, Secret: secret}, nil
}

// Endpoints lists the principal's account's endpoints.
func (s *Service) Endpoints(ctx context.Context, p *access.Principal) ([]*model.WebhookEndpoint, error) {
	if err := canManage(p); err != nil {
		return nil, err
	}
	list, err := s.DB.WebhookEndpoints(ctx, p.AccountID)
	if list == nil {
		list = []*model.WebhookEndpoint{}
	}
	return list, err
}

// Endpoint returns one endpoint of the principal's account.
func (s *Service) Endpoint(ctx context.Context, p *access.Principal, id string) (*model.WebhookEndpoint, error) {
	if err := canManage(p); err != nil {
		return nil, err
	}
	e, err := s.DB.WebhookEndpoint(ctx, p.AccountID, id)
	if storage.IsNoRows(err) {
		return nil, errs.NotFoundf("webhook endpoint %s not found", id)
	}
	return e, err
}

// change loads an endpoint, lets fn change it, and stores it with an audit event, in one transaction.
func (s *Service) change(ctx context.Context, p *access.Principal, id string, action audit.Action,
	fn func(e *model.WebhookEndpoint) (map[string]any, error)) (*model.WebhookEndpoint, error) {
	var e *model.WebhookEndpoint
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if e, err = s.Endpoint(ctx, p, id); err != nil {
			return err
		}
		detail, err := fn(e)
		if err != nil {
			return err
		}
		e.UpdatedAt = s.Clock.Now()
		if err := s.DB.UpdateWebhookEndpoint(ctx, e); err != nil {
			return err
		}
		if e.State == model.WebhookDisabled {
			if err := s.DB.FailPendingWebhookDeliveries(ctx, e.ID, e.UpdatedAt); err != nil {
				return err
			}
		}
		return s.audit(ctx, p.Actor, action, e, detail)
	})
	return e, err
}

// UpdateEndpoint replaces an endpoint's URL, description and event types (its API key stays).
func (s *Service) UpdateEndpoint(ctx context.Context, p *access.Principal, id string, in EndpointInput) (*model.WebhookEndpoint, error) {
	if err := canManage(p); err != nil {
		return nil, err
	}
	if err := s.validate(&in); err != nil {
		return nil, err
	}
	return s.change(ctx, p, id, audit.WebhookUpdate, func(e *model.WebhookEndpoint) (map[string]any, error) {
		if in.APIKeyID != "" && in.APIKeyID != e.APIKeyID {
			return nil, errs.Field("api_key_id", "immutable", "an endpoint's API key cannot change; create another endpoint")
		}
		e.URL, e.Description, e.EventTypes = in.URL, in.Description, in.EventTypes
		return map[string]any{"host": hostOf(e.URL), "event_types": e.EventTypes}, nil
	})
}

// SetEnabled enables or disables an endpoint. Disabling ends its pending deliveries as failed (they can be
// replayed); enabling delivers the events that arrive from then on.
func (s *Service) SetEnabled(ctx context.Context, p *access.Principal, id string, enabled bool) (*model.WebhookEndpoint, error) {
	action := audit.WebhookDisable
	if enabled {
		action = audit.WebhookEnable
	}
	return s.change(ctx, p, id, action, func(e *model.WebhookEndpoint) (map[string]any, error) {
		if enabled {
			e.State, e.DisabledReason = model.WebhookEnabled, ""
		} else {
			e.State, e.DisabledReason = model.WebhookDisabled, model.WebhookDisabledManually
		}
		return nil, nil
	})
}

// RotateSecret gives an endpoint a new secret, returned this once; the old one keeps signing beside it for
// RotationOverlap, so the receiver can switch without losing deliveries.
func (s *Service) RotateSecret(ctx context.Context, p *access.Principal, id string) (*CreatedEndpoint, error) {
	secret, err := NewSecret()
	if err != nil {
		return nil, err
	}
	e, err := s.change(ctx, p, id, audit.WebhookRotateSecret, func(e *model.WebhookEndpoint) (map[string]any, error) {
		sealed, err := s.Sealer.Seal(e.ID, secret)
		if err != nil {
			return nil, err
		}
		until := s.Clock.Now().Add(RotationOverlap)
		e.PreviousSecret, e.PreviousSecretUntil, e.Secret = e.Secret, &until, sealed
		return map[string]any{"previous_secret_until": until}, nil
	})
	if err != nil {
		return nil, err
	}
	return &CreatedEndpoint{WebhookEndpoint: e, Secret: secret}, nil
}

// DeleteEndpoint removes an endpoint with its delivery log.
func (s *Service) DeleteEndpoint(ctx context.Context, p *access.Principal, id string) error {
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		e, err := s.Endpoint(ctx, p, id)
		if err != nil {
			return err
		}
		if err := s.DB.DeleteWebhookEndpoint(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, p.Actor, audit.WebhookDelete, e, map[string]any{"host": hostOf(e.URL)})
	})
}

// Deliveries lists an endpoint's deliveries newest first, each with its attempts.
func (s *Service) Deliveries(ctx context.Context, p *access.Principal, endpointID, beforeID string, limit int) ([]*model.WebhookDelivery, error) {
	if _, err := s.Endpoint(ctx, p, endpointID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 201) // the API asks for one more than its page to tell whether another follows
	list, err := s.DB.WebhookDeliveries(ctx, endpointID, beforeID, limit)
	if err != nil {
		return nil, err
	}
	for _, d := range list {
		if d.Log, err = s.DB.WebhookAttempts(ctx, d.ID); err != nil {
			return nil, err
		}
	}
	if list == nil {
		list = []*model.WebhookDelivery{}
	}
	return list, nil
}

// Replay sends a delivery's message again, as a new delivery with the same webhook-id (a receiver that
// already handled it may recognise it), retried like any other. The endpoint must be enabled.
func (s *Service) Replay(ctx context.Context, p *access.Principal, endpointID, deliveryID string) (*model.WebhookDelivery, error) {
	var d *model.WebhookDelivery
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		e, err := s.Endpoint(ctx, p, endpointID)
		if err != nil {
			return err
		}
		orig, err := s.DB.WebhookDelivery(ctx, deliveryID)
		if storage.IsNoRows(err) || (err == nil && orig.EndpointID != e.ID) {
			return errs.NotFoundf("delivery %s not found", deliveryID)
		} else if err != nil {
			return err
		}
		if e.State != model.WebhookEnabled {
			return errs.New(errs.Conflict, "the endpoint is disabled; enable it before replaying")
		}
		now := s.Clock.Now()
		d = &model.WebhookDelivery{ID: uuid.Must(uuid.NewV7()).String(), EndpointID: e.ID, AccountID: e.AccountID,
			MessageID: orig.MessageID, EventSeq: orig.EventSeq, EventType: orig.EventType, Payload: orig.Payload,
			Status: model.DeliveryPending, NextAttemptAt: &now, ReplayOf: orig.ID, CreatedAt: now, UpdatedAt: now}
		if _, err := s.DB.InsertWebhookDelivery(ctx, d); err != nil {
			return err
		}
		if err := s.schedule(ctx, d.ID, now); err != nil {
			return err
		}
		return s.audit(ctx, p.Actor, audit.WebhookReplay, e, map[string]any{"delivery_id": orig.ID, "replay_id": d.ID})
	})
	return d, err
}
