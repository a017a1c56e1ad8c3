import { useTranslation } from 'react-i18next';
import { Field } from '@/components/ui/field';
import type { SiteOut } from '@/lib/api/types';
import { useUser } from '@/lib/auth/auth-context';
import { useSearchParam } from '@/lib/use-search-param';
import { useSites } from '../api/get-sites';

type Options = {
  /** Only sites the user administers (platform admins administer every site). */
  adminOnly?: boolean;
  /** "Any site" is a choice: nothing is selected by default. */
  allowAll?: boolean;
};

function useSiteOptions(adminOnly: boolean): { options: SiteOut[]; pending: boolean } {
  const user = useUser();
  const sites = useSites();
  const options = (sites.data?.items ?? []).filter(
    (site) => !adminOnly || user.isPlatformAdmin || site.my_role === 'site-admin',
  );
  return { options, pending: sites.isPending };
}

/**
 * The site chosen in the URL (`?site=`), else the first one available. The default is derived,
 * never written to the URL, so it cannot race a navigation the user starts meanwhile.
 */
export function useSelectedSite({ adminOnly = false, allowAll = false }: Options = {}): [string, (id: string) => void] {
  const [param, setParam] = useSearchParam('site');
  const { options } = useSiteOptions(adminOnly);
  return [param || (allowAll ? '' : (options[0]?.id ?? '')), setParam];
}

export function SiteSelect({
  value,
  onChange,
  adminOnly = false,
  allowAll = false,
}: Options & { value: string; onChange: (siteId: string) => void }) {
  const { t } = useTranslation();
  const { options, pending } = useSiteOptions(adminOnly);
  return (
    <Field label={t('common.site')}>
      <select value={value} onChange={(e) => onChange(e.target.value)} disabled={pending}>
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
