import type { Org, OrgMembers, OrgRole } from '@goodtrace/contract';
import { type FormEvent, useState } from 'react';
import { del, get, post } from '../api';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import { useLoad } from '../use-load';
import { email as checkEmail } from '../validation';
import { FormError, Notice, SelectField, TextField } from './fields';
import { LoadFailed, Loading } from './load-state';

/** A charity's members and open invitations; owners invite, withdraw and remove. */
export function MembersPanel({ org }: { org: Org }) {
  const { t, formatDate, errorMessage } = useI18n();
  const { user } = useSession();
  const [load, reload] = useLoad(() => get<OrgMembers>(`/orgs/${org.id}/members`), org.id);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<OrgRole>('editor');
  const [emailError, setEmailError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const isOwner = org.myRole === 'owner';

  async function act(action: () => Promise<unknown>, done?: string) {
    setError(null);
    setNotice(null);
    setBusy(true);
    try {
      await action();
      if (done) setNotice(done);
      reload();
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function invite(e: FormEvent) {
    e.preventDefault();
    const problem = checkEmail(email);
    setEmailError(problem ? t(problem.key) : undefined);
    if (problem) return;
    const address = email.trim();
    const ok = await act(
      () => post(`/orgs/${org.id}/invitations`, { email: address, role }),
      t('members.invited', { email: address }),
    );
    if (ok) setEmail('');
  }

  return (
    <section className="card panel" aria-labelledby="members-title">
      <h2 id="members-title">{t('members.title')}</h2>
      <FormError message={error} />
      <Notice message={notice} />
      {load.state === 'loading' && <Loading />}
      {load.state === 'failed' && <LoadFailed error={load.error} retry={reload} />}
      {load.state === 'done' && (
        <>
          <ul className="member-list">
            {load.data.members.map((m) => (
              <li key={m.userId} className="member">
                <div className="member-who">
                  <strong>
                    {m.displayName}
                    {m.userId === user?.id && <span className="muted"> ({t('members.you')})</span>}
                  </strong>
                  <span className="muted member-email">{m.email}</span>
                </div>
                <span className={`role role-${m.role}`}>{t(`role.${m.role}`)}</span>
                <span className="muted member-date">
                  {t('members.joined')} {formatDate(m.joinedAt)}
                </span>
                {isOwner && m.userId !== user?.id && (
                  <button
                    type="button"
                    className="button button-ghost button-small"
                    disabled={busy}
                    aria-label={`${t('members.remove')}: ${m.displayName}`}
                    onClick={() => {
                      if (window.confirm(t('members.removeConfirm', { name: m.displayName }))) {
                        void act(() => del(`/orgs/${org.id}/members/${m.userId}`));
                      }
                    }}
                  >
                    {t('members.remove')}
                  </button>
                )}
              </li>
            ))}
          </ul>

          <h3>{t('members.invitations')}</h3>
          {load.data.invitations.length === 0 ? (
            <p className="muted">{t('members.noInvitations')}</p>
          ) : (
            <ul className="member-list">
              {load.data.invitations.map((inv) => (
                <li key={inv.id} className="member">
                  <div className="member-who">
                    <strong>{inv.email}</strong>
                    <span className="muted">
                      {t('members.invitedOn', { date: formatDate(inv.createdAt) })}
                    </span>
                  </div>
                  <span className={`role role-${inv.role}`}>{t(`role.${inv.role}`)}</span>
                  {isOwner && (
                    <button
                      type="button"
                      className="button button-ghost button-small"
                      disabled={busy}
                      aria-label={`${t('members.withdraw')}: ${inv.email}`}
                      onClick={() => void act(() => del(`/orgs/${org.id}/invitations/${inv.id}`))}
                    >
                      {t('members.withdraw')}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}

      {isOwner && (
        <form className="form invite-form" onSubmit={invite} noValidate>
          <h3>{t('members.inviteTitle')}</h3>
          <p className="muted">{t('members.inviteHint')}</p>
          <div className="form-row">
            <TextField
              label={t('members.inviteEmail')}
              name="inviteEmail"
              type="email"
              autoComplete="off"
              value={email}
              onChange={setEmail}
              error={emailError}
            />
            <SelectField
              label={t('members.inviteRole')}
              name="inviteRole"
              value={role}
              onChange={(v) => setRole(v as OrgRole)}
              options={[
                { value: 'editor', label: t('role.editor') },
                { value: 'owner', label: t('role.owner') },
              ]}
            />
          </div>
          <button type="submit" className="button button-primary" disabled={busy}>
            {t('members.inviteSubmit')}
          </button>
        </form>
      )}
    </section>
  );
}
