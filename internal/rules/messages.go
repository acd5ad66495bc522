package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

// genitive month names, as in "1 сентября 2023 г.".
var months = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
	"сентября", "октября", "ноября", "декабря"}

// FormatDate writes the Moscow calendar date of t the Russian way: "1 сентября 2023 г.".
func FormatDate(t time.Time) string {
	y, m, d := t.In(MSK).Date()
	return fmt.Sprintf("%d %s %d г.", d, months[m-1], y)
}

// KindTitle names a certificate kind in Russian (nominative), e.g. "сертификат физического лица".
func KindTitle(k model.CertKind) string {
	switch k {
	case model.KindIndividual:
		return "сертификат физического лица"
	case model.KindLegalEntityEmployee:
		return "сертификат сотрудника с реквизитами организации"
	case model.KindHead:
		return "сертификат руководителя организации"
	case model.KindSoleProprietor:
		return "сертификат индивидуального предпринимателя"
	}
	return fmt.Sprintf("сертификат неизвестного вида «%s»", string(k))
}

// AuthorityTitle names the authority in Russian, e.g. "УЦ ФНС России".
func AuthorityTitle(a Authority) string {
	switch a {
	case AuthorityKCR:
		return "удостоверяющий центр КЦР"
	case AuthorityFNS:
		return "УЦ ФНС России"
	case AuthorityTreasury:
		return "УЦ Федерального казначейства"
	case AuthorityBankOfRussia:
		return "УЦ Банка России"
	}
	return fmt.Sprintf("неизвестный удостоверяющий центр «%s»", string(a))
}

func kindList() string {
	names := make([]string, len(model.CertKinds))
	for i, k := range model.CertKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

func msgInvalidKind(k model.CertKind) string {
	if k == "" {
		return "Не указан вид сертификата. Укажите один из видов: " + kindList() + "."
	}
	return fmt.Sprintf("Неизвестный вид сертификата «%s». Укажите один из видов: %s.", string(k), kindList())
}

func msgInvalidSector(s model.Sector) string {
	return fmt.Sprintf("Неизвестная сфера деятельности организации «%s». Укажите commercial (коммерческая), "+
		"state (государственная или бюджетная) или financial (кредитная или финансовая) в карточке организации.", string(s))
}

func msgInvalidOrgKind(o model.OrgKind) string {
	return fmt.Sprintf("Неизвестный тип организации «%s». Укажите legal_entity (юридическое лицо), "+
		"branch (филиал) или sole_proprietor (индивидуальный предприниматель) в карточке организации.", string(o))
}

func msgInvalidAuthority(a Authority) string {
	return fmt.Sprintf("Неизвестный удостоверяющий центр «%s». Укажите kcr, fns, treasury или bank_of_russia "+
		"либо не указывайте центр: он будет выбран по правилам.", string(a))
}

func msgInvalidPrevious(p Previous) string {
	if _, ok := kindSet[p.Kind]; !ok {
		return fmt.Sprintf("Неизвестный вид текущего сертификата заявителя «%s». Проверьте запись сертификата в реестре.", string(p.Kind))
	}
	return fmt.Sprintf("Неизвестный статус текущего сертификата заявителя «%s». Ожидается valid, expired или revoked.", string(p.Status))
}

func msgInvalidRecipient(r string) string {
	return fmt.Sprintf("Неизвестный получатель перевыпуска «%s». Укажите legal_entity (сертификат с реквизитами "+
		"организации), individual (сертификат физического лица) или оставьте поле пустым, чтобы сохранить вид сертификата.", r)
}

func msgSoleProprietorOrg() string {
	return "Сертификат индивидуального предпринимателя выдаётся только для организации типа «индивидуальный " +
		"предприниматель». Выберите карточку ИП или запросите другой вид сертификата."
}

func msgHeadOrg() string {
	return "Индивидуальный предприниматель получает сертификат индивидуального предпринимателя, а не сертификат " +
		"руководителя организации. Запросите вид sole_proprietor."
}

func msgHeadOfBranch() string {
	return "Руководитель филиала действует по доверенности, а не как руководитель юридического лица: " +
		"оформите ему сертификат физического лица (вид individual) и машиночитаемую доверенность (МЧД)."
}

func msgEmployeeOrg() string {
	return "У индивидуального предпринимателя нет реквизитов юридического лица (ИНН ЮЛ, ОГРН), поэтому сертификат " +
		"сотрудника с реквизитами организации для него не выпускается. Запросите сертификат физического лица " +
		"(вид individual) и оформите машиночитаемую доверенность (МЧД)."
}

func msgEmployeeEnded(cutoff time.Time) string {
	return fmt.Sprintf("С %s сертификаты сотрудников с реквизитами организации не выпускаются: сотрудник получает "+
		"сертификат физического лица и подписывает документы от имени организации по машиночитаемой доверенности "+
		"(МЧД). Оформите заявку на сертификат физического лица (вид individual).", FormatDate(cutoff))
}

func msgHeadViaStateCA(kind model.CertKind, want Authority, cutoff time.Time) string {
	who := "руководителей юридических лиц"
	if kind == model.KindSoleProprietor {
		who = "индивидуальных предпринимателей"
	}
	return fmt.Sprintf("С %s сертификаты %s выпускает не коммерческий удостоверяющий центр, а %s. КЦР проводит "+
		"личную идентификацию в сервисном центре и передаёт заявку туда: отправьте заявку без выбора центра "+
		"или выберите %s (%s).", FormatDate(cutoff), who, AuthorityTitle(want), AuthorityTitle(want), string(want))
}

func msgWrongAuthority(kind model.CertKind, want, got Authority, cutoff time.Time) string {
	return fmt.Sprintf("%s на эту дату выпускает %s, а не %s. Отправьте заявку без выбора центра или выберите %s (%s).",
		capitalize(KindTitle(kind)), AuthorityTitle(want), AuthorityTitle(got), AuthorityTitle(want), string(want)) + cutoffNote(kind, want, cutoff)
}

func cutoffNote(kind model.CertKind, want Authority, cutoff time.Time) string {
	if (kind != model.KindHead && kind != model.KindSoleProprietor) || cutoff.IsZero() {
		return ""
	}
	if want == AuthorityKCR {
		return fmt.Sprintf(" Государственные удостоверяющие центры выпускают такие сертификаты с %s", FormatDate(cutoff))
	}
	return fmt.Sprintf(" Так установлено с %s", FormatDate(cutoff))
}

func inPersonAdvice(serviceCenterOnly bool) string {
	if serviceCenterOnly {
		return "Пройдите идентификацию лично в сервисном центре."
	}
	return "Пройдите идентификацию лично: у регистратора на рабочем месте или в сервисном центре."
}

func msgRemoteNone(serviceCenterOnly bool) string {
	return "Удалённая идентификация возможна только по действующему квалифицированному сертификату заявителя, " +
		"а у заявителя такого сертификата нет. " + inPersonAdvice(serviceCenterOnly)
}

func msgRemoteExpired(notAfter time.Time, serviceCenterOnly bool) string {
	when := "." // FormatDate ends with "г.", which closes the sentence
	if !notAfter.IsZero() {
		when = " " + FormatDate(notAfter)
	}
	return "Удалённая идентификация возможна только по действующему квалифицированному сертификату, а срок " +
		"действия текущего сертификата заявителя истёк" + when + " " + inPersonAdvice(serviceCenterOnly)
}

func msgRemoteRevoked(serviceCenterOnly bool) string {
	return "Удалённая идентификация возможна только по действующему квалифицированному сертификату, а текущий " +
		"сертификат заявителя отозван. " + inPersonAdvice(serviceCenterOnly)
}

func msgRemoteNeedsHead(kind model.CertKind, prev model.CertKind) string {
	return fmt.Sprintf("Без личного визита %s продлевается только по действующему сертификату руководителя или "+
		"индивидуального предпринимателя, а текущий сертификат заявителя — %s. %s",
		KindTitle(kind), KindTitle(prev), inPersonAdvice(true))
}

func msgReissueOfRevoked() string {
	return "Отозванный сертификат нельзя перевыпустить. Оформите новую заявку на сертификат: заявитель пройдёт " +
		"идентификацию лично."
}

func msgRecipientNotApplicable(kind model.CertKind) string {
	return fmt.Sprintf("Получателя перевыпуска (юридическое лицо или физическое лицо) выбирают только для "+
		"сертификатов сотрудников; %s перевыпускается того же вида. Оставьте поле получателя пустым.", KindTitle(kind))
}

func noteCarryOver(cutoff time.Time) string {
	return fmt.Sprintf("С %s сертификаты сотрудников с реквизитами организации не выпускаются: заявка продолжена "+
		"как заявка на сертификат физического лица. Введённые данные и привязка к организации сохранены; для "+
		"подписи от имени организации оформите машиночитаемую доверенность (МЧД).", FormatDate(cutoff))
}

func msgLegacy(unusable, employeesIndividual time.Time) string {
	return fmt.Sprintf("С %s сертификат сотрудника с реквизитами организации, выпущенный до %s, нельзя использовать "+
		"для подписи от имени организации: перевыпустите его как сертификат физического лица и оформите "+
		"машиночитаемую доверенность (МЧД).", FormatDate(unusable), FormatDate(employeesIndividual))
}

func capitalize(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}
