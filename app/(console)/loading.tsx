import { LoadingState } from "@/components/query-state";

export default function Loading() {
  return <LoadingState label="page" />;
}
