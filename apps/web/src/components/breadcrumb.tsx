import { Link } from 'react-router-dom';

/** "← back" links at the top of each page. */
export function Breadcrumb({ to, label }: { to: string; label: string }) {
  return (
    <p className="breadcrumb">
      <Link to={to}>← {label}</Link>
    </p>
  );
}
