"""The words of the reports, in English and Russian (grader.text.L: one catalogue, picked per
language where a report is written)."""

from __future__ import annotations

from grader.text import L

WORDS: dict[str, L] = {
    # per-student feedback
    "feedback": L("Feedback", "Результаты проверки"),
    "score": L("score", "баллы"), "topic": L("topic", "тема"), "status": L("status", "статус"),
    "total": L("total", "итого"), "note": L("note", "замечание"),
    "to_fix": L("What to fix", "Что исправить"),
    "all_passed": L("Every test passed.", "Все тесты пройдены."),
    "warnings": L("warnings (cost nothing)", "предупреждения (баллы не снимаются)"),
    "hint": L("hint", "подсказка"),
    "not_graded": L("The submission could not be graded", "Работу не удалось проверить"),
    "jail_title": L("How your code was run", "Как запускался ваш код"),
    "jail_intro": L("Your code ran in a jail, apart from the grader; these protections held:",
                    "Ваш код выполнялся в изоляции, отдельно от проверяющей системы; действовали защиты:"),
    "jail_missing": L("not available on the grading machine:", "недоступно на машине проверки:"),
    "nothing_ran": L("None of your code ran.", "Ваш код не запускался."),
    "jail": L("jail", "изоляция"), "memory": L("memory limit", "лимит памяти"),
    "replay": L("seed (to replay this run)", "seed (чтобы повторить проверку)"),
    "graded_by": L("graded by dlgrade", "проверено dlgrade"), "content": L("content", "содержимое"),
    # outcomes and statuses
    "pass": L("pass", "верно"), "fail": L("fail", "неверно"), "error": L("error", "ошибка"),
    "not_attempted": L("not attempted", "не начато"), "graded": L("graded", "проверено"),
    "missing": L("missing", "нет файла"), "not_gradable": L("not gradable", "не проверяемо"),
    # the class report
    "class_title": L("Class report", "Отчёт по группе"),
    "students": L("students", "студентов"), "student": L("student", "студент"),
    "mean": L("mean", "среднее"), "median": L("median", "медиана"),
    "distribution": L("Grade distribution", "Распределение оценок"),
    "share_of_max": L("share of the maximum, %", "доля от максимума, %"),
    "count": L("number of students", "число студентов"),
    "topic_rates": L("Per topic: share of tests passed", "По темам: доля пройденных тестов"),
    "test_rates": L("Per test: share of students who pass it", "По тестам: доля студентов, прошедших тест"),
    "pass_rate": L("pass rate, %", "доля прошедших, %"),
    "hardest": L("The tests most students fail", "Тесты, которые не проходит большинство"),
    "test": L("test", "тест"), "failed_by": L("failed by", "не прошли"),
    "errors": L("Errors and timeouts by kind", "Ошибки и превышения времени по видам"),
    "kind": L("kind", "вид"), "occurrences": L("tests or submissions", "тестов или работ"),
    "no_errors": L("No test ended in an error.", "Ни один тест не завершился ошибкой."),
    "similarity": L("Code that overlaps beyond the stubs", "Совпадения кода сверх заготовок"),
    "similarity_intro": L(
        "Pairs of students whose module shares at least {threshold}% of its code with the other's, "
        "not counting the stub handed out (copydetect: tokens with names and strings normalized, "
        "{noise} tokens at least). A lead to look at, not a verdict.",
        "Пары студентов, у которых модуль совпадает с модулем другого не меньше чем на {threshold}%, "
        "не считая выданной заготовки (copydetect: токены с нормализованными именами и строками, "
        "не короче {noise}). Повод посмотреть, а не вердикт.",
    ),
    "shown": L("{found} pairs overlap that much; the {shown} most similar are shown.",
               "Таких пар {found}; показаны {shown} самых похожих."),
    "no_pairs": L("No pair of students overlaps that much.", "Таких совпадений нет."),
    "not_compared": L("Not compared (the submission is no longer where it was graded, or has changed since):",
                      "Не сравнивались (работы нет там, где её проверяли, или она изменилась):"),
    "overlap": L("overlap", "совпадение"), "shared": L("shared lines", "общие строки"),
    "tests": L("tests", "тестов"), "students_table": L("Students", "Студенты"),
}  # fmt: skip


def words(lang: str) -> dict[str, str]:
    return {key: text(lang) for key, text in WORDS.items()}
