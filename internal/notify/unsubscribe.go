package notify

import (
	"errors"
	htmltemplate "html/template"
	"net/http"
)

var unsubscribePage = htmltemplate.Must(htmltemplate.New("unsubscribe").Parse(`<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Отписка от писем kcr</title></head>
<body style="font-family: Arial, sans-serif; max-width: 40em; margin: 2em auto">
{{- if .Bad}}
<h1>Ссылка недействительна</h1>
<p>Ссылка для отписки повреждена или устарела. Скопируйте её из письма целиком.</p>
{{- else if .Done}}
<h1>Вы отписались</h1>
<p>Письма о чужих сертификатах, срок которых заканчивается, больше не придут. Напоминания о ваших собственных сертификатах обязательны и будут приходить по-прежнему.</p>
{{- else}}
<h1>Отписаться от писем?</h1>
<p>Вы перестанете получать письма о сертификатах сотрудников, срок которых заканчивается. Напоминания о ваших собственных сертификатах обязательны: от них отписаться нельзя.</p>
<form method="post" action="/unsubscribe?t={{.Token}}"><button type="submit">Отписаться</button></form>
{{- end}}
</body></html>
`))

// UnsubscribeHandler serves /unsubscribe?t=…, without signing in: GET shows a confirmation (so that a mail
// scanner following links unsubscribes nobody), POST unsubscribes — also the one-click POST of RFC 8058
// that mail clients send for List-Unsubscribe-Post.
func (s *Service) UnsubscribeHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.URL.Query().Get("t")
		view := struct {
			Token     string
			Bad, Done bool
		}{Token: token}
		status := http.StatusOK
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			if _, _, err := s.checkToken(r.Context(), token); errors.Is(err, ErrBadToken) {
				view.Bad, status = true, http.StatusBadRequest
			} else if err != nil {
				s.log().Error("unsubscribe", "err", err)
				http.Error(w, "Внутренняя ошибка, попробуйте позже", http.StatusInternalServerError)
				return
			}
		case http.MethodPost:
			if err := s.Unsubscribe(r.Context(), token); errors.Is(err, ErrBadToken) {
				view.Bad, status = true, http.StatusBadRequest
			} else if err != nil {
				s.log().Error("unsubscribe", "err", err)
				http.Error(w, "Внутренняя ошибка, попробуйте позже", http.StatusInternalServerError)
				return
			} else {
				view.Done = true
			}
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			http.Error(w, "Метод не поддерживается", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.WriteHeader(status)
		if err := unsubscribePage.Execute(w, view); err != nil {
			s.log().Error("unsubscribe page", "err", err)
		}
	})
}
