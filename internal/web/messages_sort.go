package web

// sortMessages are the catalogue's texts of the lists' sorting.
var sortMessages = map[string]string{
	"list.sort_by": "Сортировать по столбцу «%s»",
	"err.cursor":   "Ссылка на эту страницу списка устарела или сделана для другой сортировки: начните с первой страницы.",
	"err.sort":     "Такой сортировки у списка нет: выберите столбец в заголовке таблицы.",
}

func init() {
	for k, v := range sortMessages {
		messages[k] = v
	}
}
