import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Field } from '@/components/ui/field';
import { useUser } from '@/lib/auth/auth-context';
import { useSites } from '../api/get-sites';

type SiteSelectProps = {
  value: string;
  onChange: (siteId: string) => void;
  /** Only sites the user administers (platform admins administer every site). */
  adminOnly?: boolean;
  allowAll?: boolean;
};

/** Picks a site; selects the first one when none is chosen yet. */
export function SiteSelect({ value, onChange, adminOnly = false, allowAll = false }: SiteSelectProps) {
  const { t } = useTranslation();
  const user = useUser();
  const sites = useSites();
  const options = (sites.data?.items ?? []).filter(
    (site) => !adminOnly || user.isPlatformAdmin || site.my_role === 'site-admin',
  );
  const first = options[0]?.id;

  useEffect(() => {
    if (!value && !allowAll && first) onChange(first);
  }, [value, allowAll, first, onChange]);

  return (
    <Field label={t('common.site')}>
      <select value={value} onChange={(e) => onChange(e.target.value)} disabled={sites.isPending}>
        {allowAll || !value ? <option value="">{allowAll ? t('resources.anySite') : t('admin.chooseSite')}</option> : null}
        {options.map((site) => (
          <option key={site.id} value={site.id}>
            {site.name}
          </option>
        ))}
      </select>
    </Field>
  );
}
