package api

import (
	"net/http"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/webhook"
)

// webhookRoutes manage the account's signed webhook endpoints and their delivery logs.
func (s *Server) webhookRoutes() []route {
	return []route{
		{Method: "GET", Path: "/api/v1/webhooks", ID: "listWebhooks", Tag: "webhooks",
			Summary: "The account's webhook endpoints (account administrator)", Out: pageOf[model.WebhookEndpoint]{}, Status: 200,
			Handle: (*Server).listWebhooks},
		{Method: "POST", Path: "/api/v1/webhooks", ID: "createWebhook", Tag: "webhooks",
			Summary: "Add an endpoint subscribed to feed event types; its whsec_ secret is shown once",
			In:      webhook.EndpointInput{}, Out: webhook.CreatedEndpoint{}, Status: 201, Handle: (*Server).createWebhook},
		{Method: "GET", Path: "/api/v1/webhooks/{id}", ID: "getWebhook", Tag: "webhooks", Summary: "A webhook endpoint",
			Out: model.WebhookEndpoint{}, Status: 200, Handle: (*Server).getWebhook},
		{Method: "PUT", Path: "/api/v1/webhooks/{id}", ID: "changeWebhook", Tag: "webhooks",
			Summary: "Replace an endpoint's URL, description and event types", In: webhook.EndpointInput{},
			Out: model.WebhookEndpoint{}, Status: 200, Handle: (*Server).changeWebhook},
		{Method: "DELETE", Path: "/api/v1/webhooks/{id}", ID: "deleteWebhook", Tag: "webhooks",
			Summary: "Delete an endpoint with its delivery log", Status: 204, Handle: (*Server).deleteWebhook},
		{Method: "POST", Path: "/api/v1/webhooks/{id}/rotate-secret", ID: "rotateWebhookSecret", Tag: "webhooks",
			Summary: "Give the endpoint a new secret, shown once; the old one keeps signing beside it for 24 hours",
			Out:     webhook.CreatedEndpoint{}, Status: 200, Handle: (*Server).rotateWebhookSecret},
		{Method: "POST", Path: "/api/v1/webhooks/{id}/disable", ID: "disableWebhook", Tag: "webhooks",
			Summary: "Stop deliveries to the endpoint; its pending deliveries fail (they can be replayed)",
			Out:     model.WebhookEndpoint{}, Status: 200,
			Handle: func(s *Server, w http.ResponseWriter, r *http.Request) error { return s.setWebhookEnabled(w, r, false) }},
		{Method: "POST", Path: "/api/v1/webhooks/{id}/enable", ID: "enableWebhook", Tag: "webhooks",
			Summary: "Deliver to the endpoint again, from the events that arrive from now on", Out: model.WebhookEndpoint{},
			Status: 200,
			Handle: func(s *Server, w http.ResponseWriter, r *http.Request) error { return s.setWebhookEnabled(w, r, true) }},
		{Method: "GET", Path: "/api/v1/webhooks/{id}/deliveries", ID: "listWebhookDeliveries", Tag: "webhooks",
			Summary: "The endpoint's deliveries, newest first, each with its attempts (status code, error, duration)",
			Query:   []string{"before", "limit"}, Out: pageOf[model.WebhookDelivery]{}, Status: 200,
			Handle: (*Server).listWebhookDeliveries},
		{Method: "POST", Path: "/api/v1/webhooks/{id}/deliveries/{delivery}/replay", ID: "replayWebhookDelivery", Tag: "webhooks",
			Summary: "Send a delivery's message again (same webhook-id) as a new delivery", Out: model.WebhookDelivery{},
			Status: 201, Handle: (*Server).replayWebhookDelivery},
	}
}

func (s *Server) webhooks() (*webhook.Service, error) {
	if s.Webhooks == nil {
		return nil, errs.New(errs.Unavailable, "webhooks are not configured")
	}
	return s.Webhooks, nil
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	if err := noQuery(r); err != nil {
		return err
	}
	wh, err := s.webhooks()
	if err != nil {
		return err
	}
	list, err := wh.Endpoints(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf[*model.WebhookEndpoint]{Items: list})
	return nil
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhook.EndpointInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	wh, err := s.webhooks()
	if err != nil {
		return err
	}
	e, err := wh.CreateEndpoint(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := noQuery(r); err != nil {
		return err
	}
	wh, err := s.webhooks()
	if err != nil {
		return err
	}
	e, err := wh.Endpoint(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) changeWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhook.EndpointInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	wh, err := s.webhooks()
	if err != nil {
		return err
	}
	e, err := wh.UpdateEndpoint(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	wh, err := s.webhooks()
	if err != nil {
		return err
	}
	if err := wh.DeleteEndpoint(r.Context(), principalOf(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	wh, err := s.webhooks()
	if err != nil {
		return err
	}
	e, err := wh.RotateSecret(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) setWebhookEnabled(w http.ResponseWriter, r *http.Request, enabled bool) error {
	wh, err := s.webhooks()
	if err != nil {
		return err
	}
	e, err := wh.SetEnabled(r.Context(), principalOf(r), r.PathValue("id"), enabled)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "before", "limit")
	if err != nil {
		return err
	}
	limit, err := q.limit()
	if err != nil {
		return err
	}
	wh, err := s.webhooks()
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = 50
	}
	list, err := wh.Deliveries(r.Context(), principalOf(r), r.PathValue("id"), q.get("before"), limit+1)
	if err != nil {
		return err
	}
	page := pageOf[*model.WebhookDelivery]{Items: list}
	if len(list) > limit {
		page.Items = list[:limit]
		page.NextCursor = list[limit-1].ID
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) replayWebhookDelivery(w http.ResponseWriter, r *http.Request) error {
	wh, err := s.webhooks()
	if err != nil {
		return err
	}
	d, err := wh.Replay(r.Context(), principalOf(r), r.PathValue("id"), r.PathValue("delivery"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}
