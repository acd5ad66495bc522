package web

// searchMessages are the catalogue's texts of name search (Russian, then English); they join the catalogues
// at start-up.
var searchMessages = map[string]string{
	"orgs.search":    "Название (слово или часть слова), ИНН, КПП или ОГРН",
	"orgs.not_found": "Ничего не найдено: проверьте написание или введите часть слова из названия.",
}

var searchMessagesEN = map[string]string{
	"orgs.search":    "Name (a word or part of one), INN, KPP or OGRN",
	"orgs.not_found": "Nothing found: check the spelling or enter part of a word of the name.",
}

func init() {
	for k, v := range searchMessages {
		messages[k] = v
	}
	for k, v := range searchMessagesEN {
		messagesEN[k] = v
	}
}
