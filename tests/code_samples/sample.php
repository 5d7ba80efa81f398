<?php

namespace App\Models;

interface HasName
{
    public function name(): string;
}

trait Greets
{
    public function greet(): string
    {
        return "Hello " . $this->name();
    }
}

class User implements HasName
{
    use Greets;

    public function __construct(private string $first)
    {
    }

    public function name(): string
    {
        return $this->first;
    }
}

function make_user(string $n): User
{
    return new User($n);
}
