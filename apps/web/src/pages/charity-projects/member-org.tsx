import type { Org } from '@goodtrace/contract';
import type { ReactNode } from 'react';
import { useParams } from 'react-router-dom';
import { get } from '../../api';
import { LoadFailed, Loading } from '../../components/load-state';
import { useLoad } from '../../use-load';
import { NotFoundPage } from '../not-found-page';

/**
 * Loads the charity of `:orgId` and shows `children` only to its members (owner or editor):
 * these pages manage the charity's money.
 */
export function MemberOrg({ children }: { children(org: Org): ReactNode }) {
  const { orgId = '' } = useParams();
  const [load, reload] = useLoad(() => get<Org>(`/orgs/${orgId}`), orgId);
  if (load.state === 'loading') return <Loading />;
  if (load.state === 'failed') {
    if ((load.error as { code?: string }).code === 'not_found')
      return <NotFoundPage title="org.notFoundTitle" body="org.notFoundBody" />;
    return <LoadFailed error={load.error} retry={reload} />;
  }
  if (!load.data.myRole)
    return <NotFoundPage title="common.forbiddenTitle" body="common.forbiddenBody" />;
  return <>{children(load.data)}</>;
}
