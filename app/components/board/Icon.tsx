import type { IconName } from "~/board/types";

/** Simple 24×24 line icons for categories; purely decorative (the label is always shown next to them). */
const PATHS: Record<IconName, string[]> = {
  home: ["M3 11.5 12 4l9 7.5", "M5.5 10v10h5v-6h3v6h5V10"],
  chat: ["M4 5h16v11H10l-5 4v-4H4z", "M8 9.5h8", "M8 12.5h5"],
  briefcase: ["M3.5 8h17v11h-17z", "M9 8V5.5h6V8", "M3.5 13h17"],
  people: [
    "M9 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6z",
    "M3 20c0-3.3 2.7-6 6-6s6 2.7 6 6",
    "M16.5 11a2.5 2.5 0 1 0 0-5",
    "M17 14c2.4.4 4 2.6 4 5.5",
  ],
  heart: ["M12 20s-7.5-4.6-7.5-10.2A4 4 0 0 1 12 7.3a4 4 0 0 1 7.5 2.5C19.5 15.4 12 20 12 20z"],
  book: ["M4.5 5.5A2 2 0 0 1 6.5 3.5h13v15h-13a2 2 0 0 0-2 2z", "M4.5 20.5v-15", "M9 8h6.5"],
  food: ["M7 3v7", "M4.5 3v4.5a2.5 2.5 0 0 0 5 0V3", "M7 10v11", "M17.5 3c-2 0-3.5 2.5-3.5 6.5 0 2.5 1.5 3.5 3.5 3.5V21"],
  health: ["M9.5 3.5h5v6h6v5h-6v6h-5v-6h-6v-5h6z"],
  money: ["M3 6.5h18v11H3z", "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z", "M6 9.5v5", "M18 9.5v5"],
  star: ["M12 3.5l2.6 5.4 5.9.8-4.3 4.1 1 5.8L12 16.8l-5.2 2.8 1-5.8-4.3-4.1 5.9-.8z"],
};

export function CategoryIcon({ name, size = 18 }: { name: IconName; size?: number }) {
  const paths = PATHS[name] ?? PATHS.star;
  return (
    <svg
      aria-hidden="true"
      focusable="false"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      {paths.map((d) => (
        <path key={d} d={d} />
      ))}
    </svg>
  );
}
