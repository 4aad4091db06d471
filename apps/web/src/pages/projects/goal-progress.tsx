import { useI18n } from '../../i18n';
import { percentOf } from '../../money';
import { useMoney } from '../../use-money';
import './projects.css';

/** Raised toward the goal, as a bar with its numbers in words for screen readers. */
export function GoalProgress({ raised, goal }: { raised: number; goal: number }) {
  const { t } = useI18n();
  const money = useMoney();
  const pct = percentOf(raised, goal);
  const label = t('projects.progressLabel', {
    raised: money(raised),
    goal: money(goal),
    percent: Math.floor(pct),
  });
  return (
    <div className="goal-progress">
      <div
        className="progress"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.floor(pct)}
      >
        <span className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <p className="progress-text">
        <strong>{money(raised)}</strong>{' '}
        <span className="muted">{t('projects.ofGoal', { goal: money(goal) })}</span>
      </p>
    </div>
  );
}
