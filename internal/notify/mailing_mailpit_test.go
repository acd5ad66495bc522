package notify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/mailing"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// A segment mailing reaches the real SMTP server once, however often sending runs: the subject and text
// filled for the recipient, the HTML part rendered from Markdown, the PDF letter attached, and an
// unsubscribe link (mailings are not mandatory).
func TestMailingToRealServer(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			mp := startMailpit(t, false)
			e := newEnv(t, eng, sender(mp, mailUser, mailPassword, false))
			ms := &mailing.Service{DB: e.db, Notify: e.svc, Clock: e.clk, Timeline: rules.DefaultTimeline(), BaseURL: e.svc.BaseURL}
			e.svc.Renderers = map[notify.Template]notify.Renderer{mailing.Template: ms}
			op := &access.Principal{Actor: "user:operator", Role: model.RoleOperator}
			m, err := ms.Create(ctx, op, mailing.Draft{Subject: "Инструкция для {{организация}}", Body: "**{{фио}}**, прочтите письмо.",
				Segment: storage.Segment{OrganizationIDs: []string{e.f.BranchOrg}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ms.Attach(ctx, op, m.ID, "Письмо.pdf", []byte("%PDF-1.4\nletter")); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, _, err := ms.Send(ctx, op, m.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := e.svc.DeliverDue(ctx, 100); err != nil {
					t.Fatal(err)
				}
			}
			msgs := mp.messages(t)
			if len(msgs) != 1 {
				t.Fatalf("%d messages delivered, want 1", len(msgs))
			}
			d := msgs[0]
			if d.Subject != "Инструкция для "+testdb.BranchName || !strings.Contains(d.Text, "**Петрова Мария Сергеевна**") ||
				!strings.Contains(d.HTML, "<strong>Петрова Мария Сергеевна</strong>") {
				t.Fatalf("message: %q\n%s\n%s", d.Subject, d.Text, d.HTML)
			}
			if !strings.Contains(d.Raw, "application/pdf") || !strings.Contains(d.Raw, "attachment") || !strings.Contains(d.Raw, "List-Unsubscribe:") {
				t.Fatalf("want the PDF attached and List-Unsubscribe:\n%.3000s", d.Raw)
			}
			c, err := ms.Counts(ctx, op, m.ID)
			if err != nil || c.Delivered != 1 || c.Recipients != 1 {
				t.Fatalf("counts %+v, %v", c, err)
			}
		})
	}
}
