package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/webhook"
)

func init() { auditObjectTypes = append(auditObjectTypes, "webhook") }

// registerWebhooks adds the webhook pages when the handler has a webhook service.
func (h *Handler) registerWebhooks(mux localizedMux, post func(http.HandlerFunc) http.Handler) {
	if h.Webhooks == nil {
		return
	}
	mux.Handle("GET /ui/admin/webhooks", h.auth(h.webhooks))
	mux.Handle("POST /ui/admin/webhooks", post(h.auth(h.webhookCreate).ServeHTTP))
	mux.Handle("GET /ui/admin/webhooks/{id}", h.auth(h.webhookCard))
	mux.Handle("POST /ui/admin/webhooks/{id}/{action}", post(h.auth(h.webhookAction).ServeHTTP))
	mux.Handle("POST /ui/admin/webhooks/{id}/deliveries/{delivery}/replay", post(h.auth(h.webhookReplay).ServeHTTP))
}

// webhookData is the webhook pages' data.
type webhookData struct {
	formData
	Done       string
	Endpoints  []*model.WebhookEndpoint
	Endpoint   *model.WebhookEndpoint
	Secret     string // shown once, after creation or rotation
	Types      []option
	Keys       []option // the account's active API keys, to limit an endpoint to one's organizations
	Deliveries []*model.WebhookDelivery
}

// Has reports whether a multi-valued field holds the value.
func (d webhookData) Has(field, value string) bool { return slices.Contains(d.Values[field], value) }

// Form is the add form's state, for the "field" template.
func (d webhookData) Form() formData { return d.formData }

func (h *Handler) webhookFill(r *http.Request, p *access.Principal, d *webhookData) error {
	l := localeOf(r)
	list, err := h.Webhooks.Endpoints(r.Context(), p)
	if err != nil {
		return err
	}
	d.Endpoints, d.Action = list, "/ui/admin/webhooks"
	d.Types = nil
	for _, t := range model.WebhookEventTypes {
		d.Types = append(d.Types, option{string(t), l.T("whevent." + string(t))})
	}
	keys, err := h.Access.APIKeys(r.Context(), p)
	if err != nil {
		return err
	}
	d.Keys = nil
	for _, k := range keys {
		if k.RevokedAt == nil {
			d.Keys = append(d.Keys, option{k.ID, k.Name + " (" + k.Prefix + "…)"})
		}
	}
	return nil
}

func (h *Handler) webhooks(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	d := webhookData{formData: formData{Values: url.Values{}, Nonce: access.NewID()}, Done: r.URL.Query().Get("done")}
	if err := h.webhookFill(r, p, &d); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "webhooks", localeOf(r).T("wh.title"), p, d)
}

func (h *Handler) webhookCreate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	f := r.PostForm
	if _, ok := h.repeated(p, "webhook", f); ok {
		// The secret is never shown twice: a repeated submit lands on the list.
		http.Redirect(w, r, "/ui/admin/webhooks?done=created", http.StatusSeeOther)
		return
	}
	in := webhook.EndpointInput{URL: f.Get("url"), Description: f.Get("description"), APIKeyID: f.Get("api_key_id")}
	for _, t := range f["event_types"] {
		in.EventTypes = append(in.EventTypes, model.WebhookEventType(t))
	}
	ep, err := h.Webhooks.CreateEndpoint(r.Context(), p, in)
	if err != nil {
		d := webhookData{formData: formData{Values: f, Nonce: f.Get("nonce")}}
		pr := formProblem(l, err)
		if pr.Status == http.StatusNotFound || pr.Status == http.StatusForbidden || pr.Status >= 500 || pr.Status == http.StatusUnauthorized {
			h.fail(w, r, p, err)
			return
		}
		d.Fields, d.Message = adminFields(pr.Fields, nil), pr.Message
		if err := h.webhookFill(r, p, &d); err != nil {
			h.fail(w, r, p, err)
			return
		}
		h.render(w, r, pr.Status, "webhooks", l.T("wh.title"), p, d)
		return
	}
	h.rememberForm(p, "webhook", f, ep.ID)
	h.render(w, r, http.StatusOK, "webhook_secret", l.T("wh.created_title"), p,
		webhookData{Endpoint: ep.WebhookEndpoint, Secret: ep.Secret})
}

func (h *Handler) webhookCard(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id := r.PathValue("id")
	ep, err := h.Webhooks.Endpoint(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	ds, err := h.Webhooks.Deliveries(r.Context(), p, id, "", 50)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d := webhookData{Endpoint: ep, Deliveries: ds, Done: r.URL.Query().Get("done")}
	h.render(w, r, http.StatusOK, "webhook", localeOf(r).T("wh.card_title"), p, d)
}

// webhookAction disables, enables, rotates the secret of or deletes an endpoint. All but enabling ask first:
// disabling fails the pending deliveries, rotation retires the secret in 24 hours, deletion loses the log.
func (h *Handler) webhookAction(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	id, action := r.PathValue("id"), r.PathValue("action")
	if !slices.Contains([]string{"disable", "enable", "rotate", "delete"}, action) {
		h.fail(w, r, p, errs.NotFoundf("no such action"))
		return
	}
	ep, err := h.Webhooks.Endpoint(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	back := "/ui/admin/webhooks/" + url.PathEscape(id)
	if action != "enable" && !confirmed(r) {
		h.confirmPage(w, r, p, confirmData{Object: l.T("wh.endpoint") + " " + ep.URL,
			Details:  []pair{{l.T("wh.events"), h.webhookTypes(l, ep.EventTypes)}, {l.T("wh.state"), l.T("whstate." + string(ep.State))}},
			Question: l.T("wh.confirm_" + action), Verb: l.T("wh.act_" + action), Action: back + "/" + action, Back: back})
		return
	}
	switch action {
	case "disable", "enable":
		_, err = h.Webhooks.SetEnabled(r.Context(), p, id, action == "enable")
	case "rotate":
		var rotated *webhook.CreatedEndpoint
		if rotated, err = h.Webhooks.RotateSecret(r.Context(), p, id); err == nil {
			h.render(w, r, http.StatusOK, "webhook_secret", l.T("wh.rotated_title"), p,
				webhookData{Endpoint: rotated.WebhookEndpoint, Secret: rotated.Secret, Done: "rotated"})
			return
		}
	case "delete":
		if err = h.Webhooks.DeleteEndpoint(r.Context(), p, id); err == nil {
			http.Redirect(w, r, "/ui/admin/webhooks?done=deleted", http.StatusSeeOther)
			return
		}
	}
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	http.Redirect(w, r, back+"?done="+action, http.StatusSeeOther)
}

func (h *Handler) webhookReplay(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id := r.PathValue("id")
	if _, err := h.Webhooks.Replay(r.Context(), p, id, r.PathValue("delivery")); err != nil {
		h.fail(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/ui/admin/webhooks/"+url.PathEscape(id)+"?done=replay", http.StatusSeeOther)
}

// webhookTypes names event types in words.
func (h *Handler) webhookTypes(l locale, types []model.WebhookEventType) string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = l.T("whevent." + string(t))
	}
	return strings.Join(out, ", ")
}
