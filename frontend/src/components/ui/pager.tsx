import { useTranslation } from 'react-i18next';
import { Button } from './button';

type PagerProps = {
  page: number;
  pages: number;
  onChange: (page: number) => void;
  /** What is paged (the navigation landmark's name). */
  label: string;
};

/** Previous / "Page n of m" / Next under a paged list; nothing when everything fits one page. */
export function Pager({ page, pages, onChange, label }: PagerProps) {
  const { t } = useTranslation();
  if (pages <= 1) return null;
  return (
    <nav className="pagination" aria-label={label}>
      <Button size="sm" disabled={page <= 1} onClick={() => onChange(page - 1)}>
        {t('common.previous')}
      </Button>
      <span>{t('common.page', { page, pages })}</span>
      <Button size="sm" disabled={page >= pages} onClick={() => onChange(page + 1)}>
        {t('common.next')}
      </Button>
    </nav>
  );
}
