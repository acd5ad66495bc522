// Package form prints the application for a qualified certificate (заявление на изготовление
// квалифицированного сертификата), filled in for the applicant's signature. It is a Russian legal document:
// its text is Russian whatever the language of the interface that offers it.
package form

import (
	"bytes"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
)

// Application is what the form prints.
type Application struct {
	App          *model.Application
	KindName     string // the certificate's kind in words, as the register names it
	DocumentName string // the identity document's type in words
	Employee     *model.Employee
	Organization *model.Organization // nil for an individual's certificate, or when the reader may not see it
}

// The form's text.
const (
	title        = "Заявление на изготовление квалифицированного сертификата ключа проверки электронной подписи"
	number       = "Заявка №"
	created      = "Создана"
	intro        = "Прошу изготовить квалифицированный сертификат ключа проверки электронной подписи вида"
	applicant    = "Сведения о заявителе"
	fullName     = "ФИО"
	birthDate    = "Дата рождения"
	snils        = "СНИЛС"
	inn          = "ИНН"
	position     = "Должность"
	identityDoc  = "Документ, удостоверяющий личность"
	docType      = "Вид документа"
	seriesNumber = "Серия и номер"
	issuer       = "Кем выдан"
	issueDate    = "Дата выдачи"
	issuerCode   = "Код подразделения"
	organization = "Сведения об организации"
	orgName      = "Наименование"
	kpp          = "КПП"
	ogrn         = "ОГРН"
	ogrnip       = "ОГРНИП"
	address      = "Адрес"
	contacts     = "Контактные данные"
	email        = "Эл. почта"
	phone        = "Телефон"
	kind         = "Вид сертификата"
	truth        = "Подтверждаю достоверность указанных сведений. С порядком изготовления и использования квалифицированного сертификата ознакомлен(а)."
	consent      = "В соответствии с Федеральным законом от 27.07.2006 № 152-ФЗ «О персональных данных» даю согласие на обработку моих персональных данных, указанных в настоящем заявлении, в целях изготовления и обслуживания квалифицированного сертификата ключа проверки электронной подписи."
	date         = "Дата"
	signature    = "Подпись заявителя"
)

// PDF prints the form as of now.
func PDF(a Application, now time.Time) ([]byte, error) {
	v, e, org := a.App, a.Employee, a.Organization
	pdf := document.NewPDF(now)
	pdf.SetMargins(20, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()
	pdf.SetFont(document.FontFamily, "B", 13)
	pdf.MultiCell(0, 6, title, "", "C", false)
	pdf.Ln(2)
	pdf.SetFont(document.FontFamily, "", 9)
	pdf.MultiCell(0, 4.5, number+" "+v.ID+" · "+created+" "+v.CreatedAt.In(rules.MSK).Format("02.01.2006"), "", "C", false)
	pdf.Ln(4)
	pdf.SetFont(document.FontFamily, "", 10)
	pdf.MultiCell(0, 5, intro+" «"+a.KindName+"».", "", "L", false)
	pdf.Ln(2)
	section := func(title string) {
		pdf.Ln(2)
		pdf.SetFont(document.FontFamily, "B", 10)
		pdf.MultiCell(0, 5.5, title, "", "L", false)
		pdf.SetFont(document.FontFamily, "", 10)
	}
	row := func(label, value string) {
		if value == "" {
			value = "—"
		}
		y := pdf.GetY()
		pdf.SetFont(document.FontFamily, "", 9)
		pdf.MultiCell(60, 5.5, label, "", "L", false)
		y2 := pdf.GetY()
		pdf.SetXY(80, y)
		pdf.SetFont(document.FontFamily, "", 10)
		pdf.MultiCell(0, 5.5, value, "B", "L", false)
		if pdf.GetY() < y2 {
			pdf.SetY(y2)
		}
	}
	section(applicant)
	row(fullName, e.FullName())
	row(birthDate, ruDate(e.BirthDate))
	row(snils, formatSNILS(e.SNILS))
	row(inn, e.INN)
	row(position, e.Position)
	section(identityDoc)
	row(docType, a.DocumentName)
	row(seriesNumber, strings.TrimSpace(e.Document.Series+" "+e.Document.Number))
	row(issuer, e.Document.Issuer)
	row(issueDate, ruDate(e.Document.IssueDate))
	row(issuerCode, e.Document.IssuerCode)
	if org != nil {
		section(organization)
		row(orgName, org.Name)
		row(inn, org.INN)
		if org.KPP != "" {
			row(kpp, org.KPP)
		}
		if org.Kind == model.OrgSoleProprietor {
			row(ogrnip, org.OGRN)
		} else {
			row(ogrn, org.OGRN)
		}
		row(address, org.Address)
	}
	section(contacts)
	row(email, e.Email)
	row(phone, e.Phone)
	row(kind, a.KindName)
	pdf.Ln(4)
	pdf.SetFont(document.FontFamily, "", 9)
	pdf.MultiCell(0, 4.5, truth, "", "J", false)
	pdf.Ln(2)
	pdf.MultiCell(0, 4.5, consent, "", "J", false)
	pdf.Ln(10)
	pdf.SetFont(document.FontFamily, "", 10)
	pdf.CellFormat(60, 6, date+" «____» ____________ 20___ г.", "", 0, "L", false, 0, "")
	pdf.CellFormat(0, 6, signature+" ______________ / "+initials(e)+" /", "", 1, "R", false, 0, "")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FileName is the name the form downloads under.
func FileName(a *model.Application) string { return "zayavlenie-" + a.ID + ".pdf" }

// ruDate shows ГГГГ-ММ-ДД as ДД.ММ.ГГГГ.
func ruDate(s string) string {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		return s[8:] + "." + s[5:7] + "." + s[:4]
	}
	return s
}

// formatSNILS shows a СНИЛС as it is printed: "112-233-445 95".
func formatSNILS(s string) string {
	if len(s) != 11 {
		return s
	}
	return s[:3] + "-" + s[3:6] + "-" + s[6:9] + " " + s[9:]
}

// initials is "Иванов И. П.".
func initials(e *model.Employee) string {
	out := e.Surname
	for _, n := range []string{e.GivenName, e.Patronymic} {
		if r := []rune(n); len(r) > 0 {
			out += " " + string(r[0]) + "."
		}
	}
	return out
}
