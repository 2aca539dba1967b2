import { PageHeading } from './PageHeading';

export function NotFound({ path }: { readonly path: string }) {
  return (
    <>
      <PageHeading title="No such page" />
      <p>
        The page <code>{path}</code> does not exist. Go to the <a href="#/">search</a>.
      </p>
    </>
  );
}
