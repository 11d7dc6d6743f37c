/** Django projects: a venv, manage.py, migrations, a media directory Django writes. */
export function isDjangoKind(kind: string): boolean {
  return kind === "django" || kind === "wagtail";
}
