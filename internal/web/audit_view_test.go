package web

import (
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/audit"
)

// TestAuditViewInWords: an event's action, object and detail read as words; codes become names, dates and
// sizes the Russian way, ids become names or links or are left out.
func TestAuditViewInWords(t *testing.T) {
	t.Parallel()
	const app, emp, org, tariff = "01a2518f-0595-7ab7-b140-c86d7af6c8f5", "01a2518f-0595-755e-bb34-e7c19e7884aa",
		"01a2518f-0594-78a0-b405-e602384d0aac", "01a2518f-0594-78a0-b405-e602384d0aad"
	orgs := map[string]string{org: "ООО «Ромашка»"}
	for _, c := range []struct {
		name   string
		e      audit.Event
		detail map[string]any
		who    string
		want   []string
	}{
		{"state change", audit.Event{Action: "application.decline", ObjectType: "application", ObjectID: app, Actor: "user:x"},
			map[string]any{"from": "identity_verification", "to": "declined"}, "Регистратор",
			[]string{"Заявка отклонена", "заявка", "/ui/applications/" + app, "Регистратор", "было: Проверка личности", "стало: Отклонена"}},
		{"issued certificate", audit.Event{Action: "certificate.issue", ObjectType: "certificate", ObjectID: "0a0b", Actor: "system"},
			map[string]any{"application_id": app, "kind": "individual", "not_after": "2027-11-26T09:00:00Z", "issuer": "kcr-ca"}, "",
			[]string{"Выпущен сертификат", "сертификат: 0a0b", "система", "заявка: открыть /ui/applications/" + app,
				"вид: Сертификат физического лица", "действует до: 26.11.2027", "издатель: Удостоверяющий центр КЦР"}},
		{"organization", audit.Event{Action: "organization.create", ObjectType: "organization", ObjectID: org, Actor: "api_key:k"},
			map[string]any{"kind": "branch", "parent_id": org, "name": "Филиал"}, "",
			[]string{"Добавлена организация", "организация: ООО «Ромашка»", "API-ключ", "вид: филиал", "головная организация: ООО «Ромашка»"}},
		{"request size", audit.Event{Action: "application.csr", ObjectType: "application", ObjectID: app},
			map[string]any{"csr_bytes": float64(1536)}, "", []string{"размер запроса: 1,5\u00a0КБ", "неизвестный участник"}},
		{"tariff replaced", audit.Event{Action: "tariff.close", ObjectType: "tariff", ObjectID: tariff, Actor: "user:y"},
			map[string]any{"valid_to": "2027-01-01", "replaced_by": tariff, "price_kopecks": float64(150050)}, "",
			[]string{"Закрыта цена", "цена", "действует по: 01.01.2027", "пользователь"}},
		{"user", audit.Event{Action: "user.create", ObjectType: "user", ObjectID: emp, Actor: "user:y"},
			map[string]any{"login": "employee", "role": "employee", "organization_ids": []any{org}}, "",
			[]string{"логин: employee", "роль: сотрудник", "организации: ООО «Ромашка»"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := viewEvent(ru, c.e, c.detail, c.who, orgs)
			text := strings.Join([]string{v.Action, v.ObjectType + ": " + v.Object, v.ObjectHref, v.Actor}, " | ")
			for _, l := range v.Lines {
				text += " | " + l.Name + ": " + l.Value + " " + l.Href
			}
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q missing in %q", w, text)
				}
			}
			for _, l := range v.Lines {
				if uuidTextRE.MatchString(l.Value) {
					t.Errorf("an id shown as a value: %+v", l)
				}
			}
		})
	}
}
